import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { jobSchemas } from './job-schemas';
import { resolveSettings } from './resolve-settings';

const ws = mkdtempSync(join(tmpdir(), 'tf2aif-settings-'));
mkdirSync(join(ws, 'models', 'tiny'), { recursive: true });
writeFileSync(
  join(ws, 'models', 'tiny', 'tf2aif.json'),
  JSON.stringify({
    task: 'classification',
    trained: false,
    source: { format: 'script', path: 'build.py' },
    inputs: [{ name: 'image', shape: [null, 8, 8, 1] }],
    calibration: { random: true, samples: 20, batchSize: 4 },
    platforms: { cpu: {}, arm: { ioType: 'int8', quantize: { fallback: 'none' } }, alveo: {} },
    quantize: { maxFloatShare: 0.1 },
  }),
);
const config = 'models/tiny/tf2aif.json';
const resolve = (target: string, variant?: string) => resolveSettings({ config, target, ...(variant ? { variant } : {}) }, ws);

describe('the settings resolver', () => {
  it("completes every toolchain job with tf2aif.json's defaults, as the job contract requires", () => {
    const steps: Array<[keyof typeof jobSchemas, string, string | undefined]> = [
      ['build-model', 'build-model', undefined],
      ['convert', 'convert', 'arm'],
      ['quantize', 'quantize', 'arm'],
      ['verify', 'verify', 'alveo'],
      ['compile', 'compile', 'alveo'],
    ];
    for (const [step, target, variant] of steps) {
      // compile's executor adds this machine's Docker engine (make-step-executor's `machine`), not a setting
      const job = { ...resolve(target, variant), ...(step === 'compile' ? { dockerHost: 'unix:///var/run/docker.sock' } : {}) };
      expect(() => jobSchemas[step].parse(job), `${target} of ${variant}`).not.toThrow();
    }
    // the tolerance of the variant's precision, resolved: tf2aif.json's keys over the precision's defaults
    expect(resolve('verify', 'cpu')).toMatchObject({ precision: 'fp32', tolerance: { minCosine: 0.9999, maxAccuracyDropPoints: 0.5 } });
    expect(resolve('quantize', 'arm')).toMatchObject({ precision: 'int8', tolerance: { minCosine: 0.95 } });
    // an untrained model (this one): arg-max agreement is noise, checked only where tf2aif.json sets it
    expect(resolve('verify', 'cpu').tolerance).not.toHaveProperty('minTop1Agreement');
    const seeds = resolve('verify', 'cpu').seeds as Record<string, number>;
    expect(new Set(Object.values(seeds)).size).toBe(3); // three draws, none grading another's samples
    expect(resolve('verify', 'cpu')).toMatchObject({
      verify: { samples: 32, seed: 0, tolerances: {} },
      calibration: { method: 'minmax' },
      inputs: [{ dtype: 'float32' }],
    });
    expect(resolve('build-model')).toMatchObject({ source: { seed: 0 } });
  });

  it('decides the deployed artifact once: quantize output for INT8, the float model beside it for verify', () => {
    expect(resolve('verify', 'arm')).toMatchObject({
      artifactPath: 'dist/variants/tiny-arm/quantize',
      convertPath: 'dist/variants/tiny-arm/convert',
    });
    expect(resolve('verify', 'cpu')).toMatchObject({ artifactPath: 'dist/variants/tiny-cpu/convert' });
    expect(resolve('verify', 'cpu')).not.toHaveProperty('convertPath');
    expect(resolve('quantize', 'arm')).toMatchObject({ ioType: 'int8' });
    expect(resolve('bench', 'alveo')).toMatchObject({ artifactPath: 'dist/variants/tiny-alveo/compile' });
    expect(resolve('serve', 'alveo')).toMatchObject({ artifactPath: 'dist/variants/tiny-alveo/quantize', modelPath: 'dist/models/tiny' });
  });

  it("gives the quantize step verify's settings, the model's quantize settings under its platform entry's, and how float layers run", () => {
    expect(resolve('quantize', 'alveo')).toMatchObject({
      executor: 'onnxruntime',
      verify: { samples: 32, seed: 0 },
      mixedPrecision: { fallback: 'mixed', maxFloatShare: 0.1, maxAttempts: 16, margin: 0.2 },
      floatLayers: expect.stringContaining('host CPU'),
    });
    expect(resolve('quantize', 'arm')).toMatchObject({
      mixedPrecision: { fallback: 'none', maxFloatShare: 0.1 },
      floatLayers: expect.stringContaining('TFLite'),
    });
  });

  it('says which setting went away when the graph is stale', () => {
    expect(() => resolve('verify', 'gpu')).toThrow('no longer lists platforms.gpu; the project graph is stale (nx reset)');
    expect(() => resolve('compile', 'cpu')).toThrow('variant cpu has no target compile');
  });
});
