import { existsSync, readdirSync, readFileSync, realpathSync } from 'fs';
import { join, relative } from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32Tensor, toFloat32, V2Client } from '../plugins/nx/src/bench/v2-client';
import { freePort } from './support/docker';
import { localDigitsReference } from './support/digits-reference';
import { startServe, type ServeRun } from './support/serve';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

const NEW = 'cpu-int8-e2e';
const SAMPLES = 16;
const readJson = (ws: TempWorkspace, path: string) => JSON.parse(readFileSync(ws.path(path), 'utf8'));

const skipped = new Set(['__pycache__', '.pytest_cache', 'node_modules', '.nx', '.tf2aif', 'dist', '.git']);

/** Every file under a folder, relative to it (what the generator may have added), installed packages left out. */
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

describe('a platform added with one command (nx g @tf2aif/nx:platform), in a fresh workspace', () => {
  let ws: TempWorkspace;
  let server: ServeRun | undefined;

  beforeAll(() => {
    ws = createTempWorkspace({ models: ['digits'] });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    ws?.dispose();
  });

  it("scaffolds a platform on the package's toolchain modules by adding one file to the workspace, and the model takes it", async () => {
    const before = files(ws.root);
    const plugin = realpathSync(ws.path('node_modules/@tf2aif/nx'));
    const pluginBefore = files(plugin);
    const gen = await ws.nx(
      'g',
      '@tf2aif/nx:platform',
      NEW,
      '--title=x86-64 CPU, INT8 (e2e copy of cpu-int8)',
      '--arch=amd64',
      '--runtime=openvino',
      '--converter=openvino',
      '--quantizer=nncf_ov_int8',
      '--executor=openvino',
      '--requirements=openvino',
      '--precision=int8',
      '--no-interactive',
    );
    expect(gen.exitCode, gen.output).toBe(0);
    // one new file in the workspace's platforms folder, no Python, and nothing written into the installed package
    expect(files(ws.root)).toEqual([...before, `tf2aif/platforms/${NEW}/platform.json`].sort());
    expect(files(plugin)).toEqual(pluginBefore);
    expect(readJson(ws, `tf2aif/platforms/${NEW}/platform.json`)).toMatchObject({
      name: NEW,
      arch: 'amd64',
      kubernetes: { nodeSelector: { 'kubernetes.io/arch': 'amd64' } },
      runtimes: {
        openvino: { converter: 'openvino', precisions: { int8: 'nncf_ov_int8' }, executor: 'openvino', serve: { requirements: 'openvino' } },
      },
      defaults: { runtime: 'openvino', precision: 'int8', batchSize: 1 },
    });

    const add = await ws.nx('g', '@tf2aif/nx:variant', 'digits', `--add=${NEW},cpu-int8`, '--no-interactive');
    expect(add.exitCode, add.output).toBe(0);
    const shown = await ws.nx('show', 'projects', '--json');
    expect(shown.exitCode, shown.output).toBe(0);
    expect(JSON.parse(shown.output.slice(shown.output.indexOf('[')))).toEqual(
      expect.arrayContaining([`digits-${NEW}`, 'digits-cpu-int8', 'digits-cpu']),
    );
    const project = await ws.nx('show', 'project', `digits-${NEW}`, '--json');
    expect(Object.keys(JSON.parse(project.output.slice(project.output.indexOf('{'))).targets)).toEqual(
      expect.arrayContaining(['convert', 'quantize', 'verify', 'compose', 'image', 'serve']),
    );
  });

  it('converts, quantizes to INT8 with NNCF and verifies within 1 accuracy point, for it and for cpu-int8', async () => {
    const run = await ws.nx('run-many', '-t', 'verify', `--projects=digits-${NEW},digits-cpu-int8`, '--parallel=1');
    expect(run.exitCode, run.output).toBe(0);
    for (const variant of [`digits-${NEW}`, 'digits-cpu-int8']) {
      const verify = readJson(ws, `dist/variants/${variant}/verify/verify.json`);
      expect(verify, variant).toMatchObject({ passed: true, precision: 'int8', samples: 256, inputOrigin: 'loader:digits_data.py' });
      expect(verify.executedWith, variant).toMatch(/^OpenVINO .* CPU plugin$/);
      expect(verify.outputs.output_0.minCosine, variant).toBeGreaterThanOrEqual(0.95);
      expect(verify.outputs.output_0.top1Agreement, variant).toBeGreaterThanOrEqual(0.97);
      expect(verify.accuracy.reference, variant).toBeGreaterThan(0.9);
      expect(verify.accuracy.deltaPoints, variant).toBeGreaterThanOrEqual(-1);
      const quantized = readJson(ws, `dist/variants/${variant}/quantize/artifact.json`);
      expect(quantized, variant).toMatchObject({
        format: 'openvino-ir',
        precision: 'int8',
        quantizer: 'nncf_ov_int8',
        converter: 'openvino',
        weightsDtype: 'int8',
        calibration: { samples: 200, origin: 'loader:digits_data.py' },
      });
      expect(quantized.quantized.int8WeightConstants, variant).toBe(4); // 2 convs + 2 dense layers
      expect(quantized.int8Kernels, variant).toEqual({ int8: 4, computeLayers: 4 });
    }
  });

  it('serves the new variant over the v2 protocol (nx run <variant>:serve), with the classes of a local run', async () => {
    server = await startServe(ws, `digits-${NEW}`, await freePort());
    const client = new V2Client(server.url);
    try {
      const { images, classes } = localDigitsReference(ws, 'openvino', `dist/variants/digits-${NEW}/quantize`, SAMPLES);
      const served: number[] = [];
      for (const pixels of images) {
        const [out] = await client.infer('digits', [float32Tensor('image', [1, 8, 8, 1], pixels)], ['output_0']);
        const probs = Array.from(toFloat32(out));
        served.push(probs.indexOf(Math.max(...probs)));
      }
      expect(served).toEqual(classes);
    } finally {
      client.close();
      await server.stop('SIGTERM'); // the server drains and exits
      server = undefined;
    }
  });

  it('benches like the built-in platforms (when the bench target is there)', async (ctx) => {
    const project = await ws.nx('show', 'project', `digits-${NEW}`, '--json');
    const targets = JSON.parse(project.output.slice(project.output.indexOf('{'))).targets;
    if (!targets.bench) ctx.skip();
    const run = await ws.nx('run', `digits-${NEW}:bench`);
    expect(run.exitCode, run.output).toBe(0);
    const bench = readJson(ws, `dist/variants/digits-${NEW}/bench/bench.json`);
    expect(bench).toMatchObject({ variant: `digits-${NEW}`, platform: NEW, status: 'measured' });
    expect(existsSync(ws.path(`dist/variants/digits-${NEW}/bench/bench.json`))).toBe(true);
  });
});
