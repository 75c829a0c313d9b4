/**
 * What an artifact's mixed precision record (artifact.json `mixedPrecision`, tf2aif_toolchain/steps/mixed_precision.py) says,
 * for the zoo and the report.
 */

import { z } from 'zod';

/** artifact.json's `mixedPrecision`, the fields the note reads (a record that found nothing has only `found` and `reason`). */
const mixedPrecisionSchema = z.looseObject({
  found: z.boolean(),
  summary: z.string().optional(),
  floatLayers: z.array(z.looseObject({ node: z.string(), op: z.string().nullish() })).optional(),
  fullInt8: z.looseObject({ minCosine: z.number() }).optional(),
});

const artifactMixedPrecisionSchema = z.looseObject({ mixedPrecision: mixedPrecisionSchema.optional() });

/** "mixed INT8 (k layers float, x% of MACs): <layers>" where the quantize step kept layers float (steps/mixed_precision.py). */
export function mixedPrecisionNote(meta: unknown): string | null {
  const parsed = artifactMixedPrecisionSchema.safeParse(meta);
  const m = parsed.success ? parsed.data.mixedPrecision : undefined;
  if (!m?.found) return null;
  const layers: string[] = (m.floatLayers ?? []).map((l) => (l.op ? `${l.node} (${l.op})` : l.node));
  const shown = layers.length > 4 ? `${layers.slice(0, 4).join(', ')} and ${layers.length - 4} more` : layers.join(', ');
  return `${m.summary}: ${shown}; full INT8 had min cosine ${Number(m.fullInt8?.minCosine).toFixed(4)}`;
}
