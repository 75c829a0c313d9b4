/** What an artifact's mixed precision record (artifact.json `mixedPrecision`, tf2aif_toolchain/mixed_precision.py) says, for the zoo and the report. */

/** "mixed INT8 (k layers float, x% of MACs): <layers>" where the quantize step kept layers float (mixed_precision.py). */
export function mixedPrecisionNote(meta: any): string | null {
  const m = meta?.mixedPrecision;
  if (!m?.found) return null;
  const layers: string[] = (m.floatLayers ?? []).map((l: { node: string; op?: string | null }) => (l.op ? `${l.node} (${l.op})` : l.node));
  const shown = layers.length > 4 ? `${layers.slice(0, 4).join(', ')} and ${layers.length - 4} more` : layers.join(', ');
  return `${m.summary}: ${shown}; full INT8 had min cosine ${Number(m.fullInt8?.minCosine).toFixed(4)}`;
}
