import { describe, expect, it } from 'vitest';
import type { ResolvedModel } from '../config/load-model-config';
import { modelConfigSchema } from '../config/model-config.schema';
import { toleranceFor } from './draw-settings';

const model = (extra: Record<string, unknown>) =>
  ({
    config: modelConfigSchema.parse({
      task: 'classification',
      source: { format: 'script', path: 'model.py' },
      inputs: [{ name: 'x', shape: [null, 4] }],
      calibration: { loader: 'loader.py' },
      platforms: {},
      ...extra,
    }),
  }) as unknown as ResolvedModel;

describe("a variant's tolerance", () => {
  it("is the precision's default under tf2aif.json's keys, key by key", () => {
    const m = model({ verify: { tolerances: { int8: { minCosine: 0.9 } } } });
    expect(toleranceFor(m, 'int8')).toEqual({
      minCosine: 0.9,
      maxAccuracyDropPoints: 1,
      minTop1Agreement: 0.85,
      minIouAgreement: 0.85,
      minDetectionAgreement: 0.9,
    });
    expect(toleranceFor(m, 'fp32').minCosine).toBe(0.9999);
  });

  it('checks agreement on an untrained model only where tf2aif.json sets it', () => {
    const untrained = { trained: false, calibration: { random: true } };
    expect(toleranceFor(model(untrained), 'int8')).toEqual({ minCosine: 0.95, maxAccuracyDropPoints: 1 });
    expect(toleranceFor(model({ ...untrained, verify: { tolerances: { int8: { minTop1Agreement: 0.5 } } } }), 'int8').minTop1Agreement).toBe(0.5);
  });
});
