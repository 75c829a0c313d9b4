import { z } from 'zod';
import { jobSchemas } from './job-schemas';

/** The job file a step reads: its job and the workspace root the runner adds. */
export function jobFileSchema(step: keyof typeof jobSchemas) {
  return jobSchemas[step].extend({ workspaceRoot: z.string().min(1).describe('absolute path of the Nx workspace') });
}

/**
 * JSON Schema of every step's job file, for the Python side (`npm run schema` writes it). Read as output: a
 * setting with a default in tf2aif.json is required here, because the plugin always resolves it.
 */
export function jobJsonSchema(): Record<string, unknown> {
  const steps = Object.fromEntries(
    (Object.keys(jobSchemas) as Array<keyof typeof jobSchemas>).map((step) => [
      step,
      z.toJSONSchema(jobFileSchema(step), { io: 'output', unrepresentable: 'any' }),
    ]),
  );
  return {
    $comment: 'generated from plugins/nx/src/settings/job-schemas.ts by `npm run schema`; do not edit',
    title: 'tf2aif toolchain job files, one schema per step',
    steps,
  };
}
