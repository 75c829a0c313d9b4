import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsOnOf } from '../plugins/nx/src/platforms/platform-descriptor';
import { ciShards } from './support/ci-shards';
import { ran, runNx } from './support/nx-run';
import { packedManifest, packedPluginCopy } from './support/packed-plugin';
import { createTempWorkspace, gitCommitAll, repoRoot, type TempWorkspace } from './support/temp-workspace';

const parseJson = <T>(output: string): T => JSON.parse(output.slice(output.search(/[[{]/))) as T;
const cachedLine = (cached: number, total: number) => new RegExp(`from the cache instead of running the command for ${cached} out of ${total} tasks`);

/** A copy of the packed plugin as a release whose one change is a toolchain module (as the wheel's manifest records it). */
const releaseChanging = (module: string) =>
  packedPluginCopy((dir) => {
    const manifest = packedManifest(dir);
    manifest.sources[`tf2aif_toolchain/${module}`] = 'changed-by-the-e2e-test';
    writeFileSync(join(dir, 'toolchain', 'manifest.json'), JSON.stringify(manifest));
  });

/** Nx's own task profile (e2e/support/nx-run.ts): every task of the run, and those that really ran (cache misses). */
async function nxProfiled(ws: TempWorkspace, label: string, ...args: string[]) {
  const run = await runNx(ws, label, args);
  return {
    ...run,
    tasks: run.tasks.map((t) => t.id).sort(),
    ran: ran(run)
      .map((t) => t.id)
      .sort(),
  };
}

describe('incremental builds in a fresh git workspace', () => {
  let ws: TempWorkspace;
  beforeAll(async () => {
    ws = createTempWorkspace({ fixtures: ['tiny'] });
    // a second model (the same tiny network under another name), so "only that model" means something
    cpSync(ws.path('models/tiny'), ws.path('models/tiny2'), { recursive: true });
    await gitCommitAll(ws.root, 'baseline');
  });
  afterAll(() => ws?.dispose());

  // the model's shared steps (its exports: the float TFLite both variants start from and the ONNX model of their
  // fallback runtime; the original's reference outputs; TFLite's INT8 calibration), then each variant's own
  const shared = (m: string) => [
    `${m}:build-model`,
    `${m}:reference`,
    `${m}-export-tflite-batch1:export`,
    `${m}-export-onnx-batch1:export`,
    `${m}-calibrate-tflite_int8:calibrate`,
  ];
  const chain = (m: string) => [...shared(m), `${m}-cpu:convert`, `${m}-cpu:verify`, `${m}-arm:convert`, `${m}-arm:quantize`, `${m}-arm:verify`];

  it('runs every task once, then serves a second run entirely from the cache', async () => {
    const first = await nxProfiled(ws, 'cold', 'run-many', '-t', 'verify', '--parallel=2');
    expect(first.exitCode, first.output).toBe(0);
    expect(first.ran).toEqual([...chain('tiny'), ...chain('tiny2')].sort());

    const second = await nxProfiled(ws, 'warm', 'run-many', '-t', 'verify', '--parallel=2');
    expect(second.exitCode, second.output).toBe(0);
    expect(second.ran).toEqual([]);
    expect(second.output).toMatch(cachedLine(20, 20));
  });

  it("selects exactly the edited model's projects with nx affected, and reruns only their tasks", async () => {
    const file = ws.path('models/tiny2/tf2aif.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...config, verify: { samples: 4 } }, null, 2));
    await gitCommitAll(ws.root, 'tiny2: verify.samples 8 -> 4');

    const shown = await ws.nx('show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json');
    expect(shown.exitCode, shown.output).toBe(0);
    // and the workspace project: its plan target reads every tf2aif.json (service targets, variants)
    expect(parseJson<string[]>(shown.output).sort()).toEqual([
      'tf2aif',
      'tiny2',
      'tiny2-arm',
      'tiny2-calibrate-tflite_int8',
      'tiny2-cpu',
      'tiny2-export-onnx-batch1',
      'tiny2-export-tflite-batch1',
    ]);

    const run = await nxProfiled(ws, 'affected-config', 'affected', '-t', 'verify', '--base=HEAD~1', '--head=HEAD', '--parallel=2');
    expect(run.exitCode, run.output).toBe(0);
    // only tiny2's chain is in the run; what reads verify's settings reruns (the original's reference outputs and
    // each verify, and arm's quantize, whose accuracy check draws as verify does); its build-model and exports
    // (whose settings did not change) come from the cache
    expect(run.tasks).toEqual(chain('tiny2').sort());
    expect(run.ran).toEqual(['tiny2-arm:quantize', 'tiny2-arm:verify', 'tiny2-cpu:verify', 'tiny2:reference']);
    expect(run.output).toMatch(cachedLine(10 - run.ran.length, 10));
    const verify = JSON.parse(readFileSync(ws.path('dist/variants/tiny2-cpu/verify/verify.json'), 'utf8'));
    expect(verify.samples).toBe(4);
  });

  it("reruns only the TFLite INT8 calibration and arm variants' quantize and verify when a plugin release changes only that quantizer", async () => {
    // a new release of the package whose one change is that module (as the wheel's manifest records it): tasks
    // hash the installed plugin by what they run of it (graph/plugin-fingerprint.ts), so only the steps that run it rerun
    ws.usePlugin(releaseChanging('quantizers/tflite_int8.py'));
    const run = await nxProfiled(ws, 'new-quantizer', 'run-many', '-t', 'verify', '--parallel=2');
    expect(run.exitCode, run.output).toBe(0);
    expect(run.ran).toEqual(
      expect.arrayContaining([
        'tiny-calibrate-tflite_int8:calibrate',
        'tiny2-calibrate-tflite_int8:calibrate',
        'tiny-arm:quantize',
        'tiny2-arm:quantize',
      ]),
    );
    for (const m of ['tiny', 'tiny2']) {
      for (const task of run.ran.filter((t) => t.startsWith(`${m}-`) || t.startsWith(`${m}:`))) {
        expect([`${m}-calibrate-tflite_int8:calibrate`, `${m}-arm:quantize`, `${m}-arm:verify`]).toContain(task);
      }
    }
    expect(run.output).toMatch(cachedLine(run.tasks.length - run.ran.length, run.tasks.length));
  });

  it('reruns each shared ONNX export once, not per variant, when a plugin release changes only the ONNX converter', async () => {
    ws.usePlugin(releaseChanging('converters/onnx.py'));
    const run = await nxProfiled(ws, 'new-converter', 'run-many', '-t', 'verify', '--parallel=2');
    expect(run.exitCode, run.output).toBe(0);
    // one ONNX conversion per model, whatever number of variants start from it (cpu and arm fall back to it, so their
    // steps take the new export as an input); the TFLite exports, the reference outputs and build-model stay cached
    expect(run.ran.filter((t) => t.endsWith(':export'))).toEqual(['tiny-export-onnx-batch1:export', 'tiny2-export-onnx-batch1:export']);
    for (const m of ['tiny', 'tiny2']) {
      for (const task of [`${m}:build-model`, `${m}:reference`, `${m}-export-tflite-batch1:export`]) expect(run.ran).not.toContain(task);
    }
  });
});

describe('the sample CI pipeline (docs/ci/github-actions-variants.yml)', () => {
  const models = ['digits', 'resnet50', 'mobilenetv2', 'unet'];
  const shards = ciShards();
  const descriptors = Object.fromEntries(
    readdirSync(join(repoRoot, 'plugins', 'nx', 'platforms'))
      .filter((name) => existsSync(join(repoRoot, 'plugins', 'nx', 'platforms', name, 'platform.json')))
      .map((name) => [name, JSON.parse(readFileSync(join(repoRoot, 'plugins', 'nx', 'platforms', name, 'platform.json'), 'utf8'))]),
  );
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace({ models, withPython: false });
  });
  afterAll(() => ws?.dispose());

  it('puts every platform on exactly one shard, the one of its hardware class', () => {
    expect(shards.length).toBeGreaterThan(0);
    const placed = shards.flatMap((s) => s.platforms);
    expect([...placed].sort()).toEqual(Object.keys(descriptors).sort());
    expect(new Set(placed).size).toBe(placed.length);
    for (const { shard, platforms } of shards) {
      for (const p of platforms) expect(runsOnOf(descriptors[p]), `${p} on shard ${shard}`).toBe(shard);
    }
  });

  it("selects exactly each shard's variants of the bundled models by platform tag", async () => {
    // what each shard must build: the bundled models' variants, by the platform each one resolves to
    const variantsOf = (platforms: string[]) =>
      models.flatMap((m) => {
        const config = JSON.parse(readFileSync(join(repoRoot, 'models', m, 'tf2aif.json'), 'utf8'));
        return Object.entries(config.platforms as Record<string, { platform?: string }>)
          .filter(([key, v]) => platforms.includes(v.platform ?? key))
          .map(([key]) => `${m}-${key}`);
      });
    const all = await ws.nx('show', 'projects', '--projects=tag:tf2aif:variant', '--json');
    expect(all.exitCode, all.output).toBe(0);
    const covered: string[] = [];
    for (const { shard, platforms, projects } of shards) {
      const shown = await ws.nx('show', 'projects', `--projects=${projects}`, '--json');
      expect(shown.exitCode, shown.output).toBe(0);
      const selected = parseJson<string[]>(shown.output).sort();
      expect(selected, shard).toEqual(variantsOf(platforms).sort());
      covered.push(...selected);
    }
    // nothing a model declares is left without a runner
    expect(covered.sort()).toEqual(parseJson<string[]>(all.output).sort());
  });
});
