import { existsSync, readFileSync, statSync, writeFileSync } from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

const mtime = (ws: TempWorkspace, path: string) => statSync(ws.path(path)).mtimeMs;
const readJson = (ws: TempWorkspace, path: string) => JSON.parse(readFileSync(ws.path(path), 'utf8'));

describe('CPU variants in a fresh workspace', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace({ models: ['digits'], fixtures: ['tiny'] });
  });
  afterAll(() => ws?.dispose());

  it('infers one project per (model, platform) with the target chain', async () => {
    const { exitCode, output } = await ws.nx('show', 'projects', '--json');
    expect(exitCode, output).toBe(0);
    const projects = JSON.parse(output.slice(output.indexOf('['))) as string[];
    expect(projects).toEqual(expect.arrayContaining(['digits', 'digits-cpu', 'digits-arm', 'digits-alveo', 'tiny', 'tiny-cpu', 'tiny-arm']));
    const shown = await ws.nx('show', 'project', 'digits-arm', '--json');
    const targets = JSON.parse(shown.output.slice(shown.output.indexOf('{'))).targets;
    expect(Object.keys(targets)).toEqual(['convert', 'quantize', 'verify', 'compose', 'image', 'serve', 'bench']);
    expect(targets.verify.outputs).toEqual(['{workspaceRoot}/dist/variants/digits-arm/verify']);
  });

  it('converts and verifies the CPU variants, then serves a second run from the cache', async () => {
    const first = await ws.nx('run-many', '-t', 'verify', '--projects=*-cpu', '--parallel=2');
    expect(first.exitCode, first.output).toBe(0);
    const result = readJson(ws, 'dist/variants/digits-cpu/verify/verify.json');
    expect(result).toMatchObject({ passed: true, precision: 'fp32', samples: 256, inputOrigin: 'loader:digits_data.py' });
    expect(result.outputs.output_0.top1Agreement).toBe(1);
    expect(result.outputs.output_0.maxAbsError).toBeLessThan(1e-4);
    expect(result.accuracy.reference).toBeGreaterThan(0.9); // the digits CNN really learnt
    expect(readJson(ws, 'dist/variants/digits-cpu/convert/artifact.json')).toMatchObject({ artifact: 'model.tflite', format: 'tflite' });
    expect(existsSync(ws.path('dist/variants/tiny-cpu/convert/model.tflite'))).toBe(true);

    const second = await ws.nx('run-many', '-t', 'verify', '--projects=*-cpu', '--parallel=2');
    expect(second.exitCode, second.output).toBe(0);
    expect(second.output).toMatch(/Nx read the output from the cache instead of running the command for 12 out of 12 tasks/);
  });

  it("reruns only the edited model's tasks", async () => {
    const before = mtime(ws, 'dist/variants/digits-cpu/verify/verify.json');
    const file = ws.path('models/digits/tf2aif.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...config, verify: { samples: 128 } }, null, 2));
    const run = await ws.nx('run-many', '-t', 'verify', '--projects=*-cpu', '--parallel=2');
    expect(run.exitCode, run.output).toBe(0);
    expect(readJson(ws, 'dist/variants/digits-cpu/verify/verify.json').samples).toBe(128);
    expect(mtime(ws, 'dist/variants/digits-cpu/verify/verify.json')).toBeGreaterThan(before);
    // only what reads verify's settings ran: digits' reference outputs and digits-cpu:verify; its exports, convert and
    // every tiny task came from the cache
    expect(run.output).toMatch(/from the cache instead of running the command for 10 out of 12 tasks/);
  });
});

describe('bad input in a fresh workspace', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace({ fixtures: ['tiny'] });
  });
  afterAll(() => ws?.dispose());

  const tiny = () => JSON.parse(readFileSync(ws.path('models/tiny/tf2aif.json'), 'utf8'));
  const writeTiny = (config: object) => writeFileSync(ws.path('models/tiny/tf2aif.json'), JSON.stringify(config, null, 2));

  it.each([
    ['an unknown platform', { platforms: { cpu: {}, tpu: {} } }, /platforms\.tpu: unknown platform "tpu"/],
    ['a negative batch size', { platforms: { cpu: { batchSize: -1 } } }, /platforms\.cpu\.batchSize: Too small/],
    ['no inputs', { inputs: [] }, /inputs: a model needs at least one input/],
  ])('refuses %s, naming the file and field, and writes nothing', async (_, change, message) => {
    const original = tiny();
    writeTiny({ ...original, ...change });
    try {
      const run = await ws.nx('run-many', '-t', 'verify');
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toContain('models/tiny/tf2aif.json');
      expect(run.output).toMatch(message);
      expect(existsSync(ws.path('dist'))).toBe(false);
    } finally {
      writeTiny(original);
    }
  });

  it('says clearly when the model path is not a SavedModel, and writes nothing', async () => {
    const original = tiny();
    writeTiny({ ...original, source: { format: 'savedmodel', path: 'build.py' } });
    try {
      const run = await ws.nx('run', 'tiny:build-model');
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toMatch(/build\.py is not a TensorFlow SavedModel/);
      expect(existsSync(ws.path('dist/models/tiny'))).toBe(false);
      expect(existsSync(ws.path('dist'))).toBe(false);
    } finally {
      writeTiny(original);
    }
  });
});

describe('a workspace without the Python toolchain', () => {
  it('installs it on first use, with a progress line, and the step runs', async () => {
    const ws = createTempWorkspace({ fixtures: ['tiny'], withPython: false });
    try {
      const run = await ws.nx('run', 'tiny:build-model');
      expect(run.exitCode, run.output).toBe(0);
      expect(run.output).toMatch(/tf2aif: installing the Python toolchain 0\.\d+\.\d+ .* into \.tf2aif\/venv/);
      expect(run.output).toMatch(/tf2aif: Python toolchain .* ready in \.tf2aif\/venv/);
      expect(existsSync(ws.path('dist/models/tiny/model.json'))).toBe(true);
    } finally {
      ws.dispose();
    }
  });

  it('says in one line what is missing when Python 3.11 is not there, and writes nothing', async () => {
    const ws = createTempWorkspace({ fixtures: ['tiny'], withPython: false });
    try {
      const run = await ws.nxEnv({ TF2AIF_PYTHON: '/nonexistent/python3.11' }, 'run', 'tiny:build-model');
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toMatch(/✖ TF2AIF_PYTHON=\/nonexistent\/python3\.11 is not an executable file: point it at Python 3\.11/);
      expect(run.output).not.toMatch(/Traceback| {4}at /);
      expect(existsSync(ws.path('.tf2aif/venv'))).toBe(false);
      expect(existsSync(ws.path('dist'))).toBe(false);
    } finally {
      ws.dispose();
    }
  });
});
