import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { parseOrThrow } from '../utils/format-issues';

const artifactRuntimeSchema = z.looseObject({
  runtime: z.string().min(1),
  fallback: z.looseObject({ from: z.string(), executor: z.string().min(1), requirements: z.string().min(1) }).optional(),
});

/**
 * The runtime an artifact is served with: the variant's own, or the fallback runtime its convert step switched to
 * because the variant's converter could not express an op (artifact.json `fallback`, written by the toolchain from
 * the settings the plugin resolved). Serving, images and bench follow the artifact, so they can never disagree.
 */
export function deployedRuntime<T extends { executor: string; artifactPath: string; runtime?: string; requirements?: string }>(
  workspaceRoot: string,
  o: T,
): T {
  const file = join(workspaceRoot, o.artifactPath, 'artifact.json');
  if (!existsSync(file)) return o;
  const meta = parseOrThrow(artifactRuntimeSchema, JSON.parse(readFileSync(file, 'utf8')), file);
  if (!meta.fallback) return o;
  return { ...o, runtime: meta.runtime, executor: meta.fallback.executor, ...(o.requirements ? { requirements: meta.fallback.requirements } : {}) };
}
