import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { importedProfiles, mergeProfiles } from './profiles';
import { profile } from '../../test-support/plan-fixtures';
import { facts } from '../../test-support/report-fixtures';

const root = mkdtempSync(join(tmpdir(), 'tf2aif-profiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (path: string, doc: unknown) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), JSON.stringify(doc));
};

describe('profiles brought from other machines', () => {
  it("reads a runner's copied dist/ (bench.json, verify.json, artifact.json) as this graph describes the variant", () => {
    const v = 'plan/profiles/gpu-runner/dist/variants';
    put(`${v}/resnet50-gpu/quantize/artifact.json`, {
      variant: 'resnet50-gpu',
      platform: 'gpu',
      runtime: 'onnxruntime-tensorrt',
      precision: 'int8',
      batchSize: 8,
      artifact: 'model.onnx',
      sizeBytes: 1000,
      seconds: 1,
    });
    put(`${v}/resnet50-gpu/verify/verify.json`, {
      passed: true,
      samples: 32,
      inputOrigin: 'random',
      trained: false,
      outputs: { y: { maxAbsError: 0.1, minCosine: 0.99, top1Agreement: 0.97 } },
    });
    put(`${v}/resnet50-gpu/bench/bench.json`, {
      status: 'measured',
      machine: { cpu: 'x86_64', cpuModel: 'Intel Xeon', 'nvidia-gpu': true, jetson: false, 'amd-dpu': false },
      latency: { http: { p50: 2, p90: 2.5, p99: 3, stable: true }, inProcess: null, serverOverhead: null },
      throughput: { batch: 8, http: { perSecond: 900, stable: true, errors: 0, concurrency: 16 }, inProcess: null, httpShareOfInProcess: null },
    });
    put(`${v}/b-gpu/bench/bench.json`, { status: 'measured' });
    const { profiles, ignored } = importedProfiles(root, 'plan/profiles', facts);
    expect(profiles).toEqual([
      expect.objectContaining({
        variant: 'resnet50-gpu',
        runsOn: 'nvidia-gpu',
        latencyMs: { p50: 2, p99: 3 },
        throughput: { perSecond: 900, concurrency: 16 },
        agreement: 0.97,
        artifactBytes: 1000,
        machine: 'Intel Xeon + nvidia-gpu',
        source: `${v}/resnet50-gpu`,
      }),
    ]);
    expect(ignored).toEqual([`${v}/b-gpu: no variant b-gpu in this workspace's graph`]);
  });

  it('a report.json names the bad field; a fixture is labelled as such; this workspace wins over imports', () => {
    put('other/profiles/fixture.json', {
      fixture: 'made up',
      variants: [
        {
          variant: 'a-gpu',
          model: 'a',
          platform: 'gpu',
          runtime: 'x',
          precision: 'int8',
          runsOn: 'nvidia-gpu',
          latencyMs: { p50: 1, p99: 2 },
          throughput: null,
          accuracy: null,
          artifact: null,
        },
      ],
    });
    const imported = importedProfiles(root, 'other/profiles');
    expect(imported.profiles[0].machine).toBe('fixture: made up');
    const merged = mergeProfiles([profile('a-gpu', 'gpu', { p50: 5, p99: 6 })], imported);
    expect(merged.profiles.map((p) => p.source)).toEqual(['test']);
    expect(merged.ignored).toEqual(['a-gpu from other/profiles/fixture.json: already profiled by test']);
    put('bad/profiles/r.json', { variants: [{ variant: 'x', runsOn: 'tpu' }] });
    expect(() => importedProfiles(root, 'bad/profiles')).toThrow(/bad\/profiles\/r\.json is not valid:[\s\S]*variants\[0\]\.runsOn/);
  });
});
