import { execa } from 'execa';
import { existsSync, readdirSync } from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

async function waitFor(check: () => boolean, timeoutMs: number) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a step killed midway', () => {
  let ws: TempWorkspace;
  beforeAll(async () => {
    ws = createTempWorkspace({ models: ['digits'] });
    const built = await ws.nx('run', 'digits-arm:convert');
    expect(built.exitCode, built.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('leaves no artifact in dist/, is not cached, and the next run starts clean', async () => {
    const scratch = ws.path('.tf2aif', 'tmp');
    const inFlight = () =>
      existsSync(scratch) && readdirSync(scratch).some((n) => n.startsWith('dist__variants__digits-arm__quantize.') && !n.endsWith('.json'));
    const nx = execa('node', [ws.path('node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run', 'digits-arm:quantize'], {
      cwd: ws.root,
      detached: true, // its own process group, so the whole tree (nx, executor, Python) can be killed at once
      reject: false,
      env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    });
    await waitFor(inFlight, 60_000);
    // killed as soon as its scratch folder exists: a warm step (forked from a process with TensorFlow loaded) quantizes
    // digits in about a second, so waiting for it to get going would let it finish
    try {
      process.kill(-nx.pid!, 'SIGKILL');
    } catch (e) {
      throw new Error(`the step ended before it could be killed (${String(e)}): this test needs a slower step`);
    }
    await nx;
    expect(existsSync(ws.path('dist/variants/digits-arm/quantize'))).toBe(false);

    const rerun = await ws.nx('run', 'digits-arm:quantize');
    expect(rerun.exitCode, rerun.output).toBe(0);
    // build-model, the exports, the TFLite calibration and convert come from the cache; quantize itself runs again
    expect(rerun.output).toMatch(/from the cache instead of running the command for 5 out of 6 tasks/);
    expect(existsSync(ws.path('dist/variants/digits-arm/quantize/model.tflite'))).toBe(true);
    // the killed run's scratch folder was swept by the next run
    expect(readdirSync(scratch).filter((n) => n.startsWith('dist__variants__digits-arm__quantize.'))).toEqual([]);
  });
});
