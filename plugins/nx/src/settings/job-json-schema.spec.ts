import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { jobFileSchema, jobJsonSchema } from './job-json-schema';
import { jobSchemas } from './job-schemas';

const repoRoot = join(__dirname, '..', '..', '..', '..');

/** The parts of a step's JSON Schema this test reads. */
interface SchemaFields {
  additionalProperties?: unknown;
  required: string[];
  properties: Record<string, SchemaFields>;
  items: SchemaFields;
}

describe('the job contract at the TypeScript-Python seam', () => {
  it('is published for the toolchain exactly as the zod schemas say (npm run schema regenerates it)', () => {
    const published = JSON.parse(readFileSync(join(repoRoot, 'packages', 'toolchain', 'tf2aif_toolchain', 'job.schema.json'), 'utf8'));
    expect(published).toEqual(jobJsonSchema());
  });

  it('requires every tf2aif.json setting that has a default: the plugin resolves it, the toolchain adds none', () => {
    const steps = jobJsonSchema().steps as Record<string, SchemaFields>;
    const verify = steps.verify;
    expect(verify.additionalProperties).toBe(false);
    expect(verify.properties.verify.required).toEqual(expect.arrayContaining(['samples', 'seed', 'tolerances']));
    expect(verify.properties.calibration.required).toEqual(expect.arrayContaining(['samples', 'batchSize', 'random', 'method']));
    expect(verify.properties.inputs.items.required).toEqual(expect.arrayContaining(['name', 'shape', 'dtype']));
    expect(steps.quantize.required).toContain('ioType');
  });

  it('names a step for every executor that runs the toolchain, and rejects a key nobody reads', () => {
    expect(Object.keys(jobSchemas).sort()).toEqual([
      'bench-inprocess',
      'build-model',
      'calibrate',
      'ceiling',
      'compile',
      'convert',
      'export',
      'plan',
      'quantize',
      'reference',
      'verify',
    ]);
    const result = jobFileSchema('ceiling').safeParse({ outputPath: 'dist/machine', workspaceRoot: '/w', gemmm: [1, 2, 3] });
    expect(result.success).toBe(false);
  });
});
