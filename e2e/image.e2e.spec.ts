import type Docker from 'dockerode';
import { readFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32Tensor, toFloat32, V2Client } from '../plugins/nx/src/bench/v2-client';
import { arm64Emulation, dockerEngine, ensureLocalBase, freePort } from './support/docker';
import { localDigitsReference } from './support/digits-reference';
import { createTempWorkspace, repoRoot, type TempWorkspace } from './support/temp-workspace';

const engine = dockerEngine();
const SAMPLES = 16;

/** A digits workspace for a describe block, and the server container a test starts, removed afterwards. */
function digitsWorkspace(arch: 'amd64' | 'arm64') {
  const state: { ws: TempWorkspace; container?: Docker.Container } = { ws: undefined as never };
  beforeAll(() => {
    ensureLocalBase(arch);
    state.ws = createTempWorkspace({ models: ['digits'] });
  });
  afterAll(async () => {
    await state.container?.remove({ force: true }).catch(() => undefined);
    state.ws?.dispose();
  });
  return state;
}

/** Starts a server image on the host network and waits until it answers ready (or fails with its logs). */
async function startServer(
  state: { container?: Docker.Container },
  tag: string,
  options: { platform?: string; env?: string[]; binds?: string[]; readyWithinMs: number },
) {
  const port = await freePort();
  const container = await engine.docker!.createContainer({
    Image: tag,
    ...(options.platform ? { platform: options.platform } : {}),
    Cmd: ['--port', String(port)],
    Env: [`TF2AIF_PORT=${port}`, ...(options.env ?? [])],
    HostConfig: { NetworkMode: 'host', Binds: options.binds ?? [] },
  });
  state.container = container;
  await container.start();
  const client = new V2Client(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + options.readyWithinMs;
  while (!(await client.ready())) {
    const status = (await container.inspect()).State;
    if (!status.Running || Date.now() > deadline) {
      client.close();
      throw new Error(`server not ready (${status.Status}): ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { container, client };
}

describe.skipIf(!engine.docker)(`digits-cpu image through the Docker Engine API${engine.missing ? ` (skipped: ${engine.missing})` : ''}`, () => {
  const suite = digitsWorkspace('amd64');
  let ws: TempWorkspace;
  let docker: Docker;
  beforeAll(() => {
    ws = suite.ws;
    docker = engine.docker!;
  });

  it('builds the server and client images, non-root, labelled, and a second run is a cache hit', async () => {
    const run = await ws.nx('run', 'digits-cpu:image');
    expect(run.exitCode, run.output).toBe(0);
    const image = JSON.parse(readFileSync(ws.path('dist/variants/digits-cpu/image/image.json'), 'utf8'));
    expect(image.server.tag).toBe('tf2aif/digits:cpu');
    expect(image.client.tag).toBe('tf2aif/digits-client:cpu');
    const inspect = await docker.getImage(image.server.id).inspect();
    expect(inspect.Config.User).toBe('10001');
    expect(inspect.Config.Labels).toMatchObject({
      'ai.tf2aif.platform': 'cpu',
      'ai.tf2aif.precision': 'fp32',
      'ai.tf2aif.runtime': 'tflite',
      'ai.tf2aif.model.sha256': expect.stringMatching(/^[0-9a-f]{64}$/),
      'ai.tf2aif.toolchain': expect.stringContaining('tensorflow=2.21.0'),
    });
    expect(inspect.Config.Healthcheck?.Test?.join(' ')).toContain('tf2aif_toolchain.serve.healthcheck');

    const again = await ws.nx('run', 'digits-cpu:image');
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(/from the cache instead of running the command for \d+ out of \d+ tasks/);
    expect(again.output).toMatch(/for (\d+) out of \1 tasks/);
  });

  it('serves real digits over the v2 protocol (JSON and binary) with the same classes as the local TFLite run', async () => {
    const image = JSON.parse(readFileSync(ws.path('dist/variants/digits-cpu/image/image.json'), 'utf8'));
    const { container, client } = await startServer(suite, image.server.tag, { readyWithinMs: 60_000 });
    try {
      const { images, classes } = localDigitsReference(ws, 'tflite', 'dist/variants/digits-cpu/convert', SAMPLES);
      const viaBinary: number[] = [];
      const viaJson: number[] = [];
      for (const pixels of images) {
        const [out] = await client.infer('digits', [float32Tensor('image', [1, 8, 8, 1], pixels)], ['output_0']);
        const probs = Array.from(toFloat32(out));
        viaBinary.push(probs.indexOf(Math.max(...probs)));
        const [json] = await client.inferJson('digits', [{ name: 'image', shape: [1, 8, 8, 1], datatype: 'FP32', data: pixels }]);
        const p = Array.from(toFloat32(json));
        viaJson.push(p.indexOf(Math.max(...p)));
      }
      expect(viaBinary).toEqual(classes);
      expect(viaJson).toEqual(classes);

      // the image's HEALTHCHECK reaches the server on the port it was given
      const healthDeadline = Date.now() + 60_000;
      let health = '';
      while (health !== 'healthy' && Date.now() < healthDeadline) {
        health = (await container.inspect()).State.Health?.Status ?? '';
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(health).toBe('healthy');
    } finally {
      client.close();
    }
  });
});

describe('image without a Docker engine', () => {
  it('fails with one line saying how to point it at one', async () => {
    const ws = createTempWorkspace({ fixtures: ['tiny'] });
    try {
      const run = await ws.nxEnv({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, 'run', 'tiny-cpu:image');
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toMatch(
        /✖ No Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock \(.*\): start one .* or set DOCKER_HOST to a running engine\./,
      );
    } finally {
      ws.dispose();
    }
  });
});

const emulation = engine.docker ? arm64Emulation() : { ok: false, missing: engine.missing };

describe.skipIf(!emulation.ok)(`digits-arm image for linux/arm64${emulation.missing ? ` (skipped: ${emulation.missing})` : ''}`, () => {
  const suite = digitsWorkspace('arm64');

  it('is built under emulation on this x86-64 engine and recorded as arm64', async () => {
    const run = await suite.ws.nx('run', 'digits-arm:image');
    expect(run.exitCode, run.output).toBe(0);
    const image = JSON.parse(readFileSync(suite.ws.path('dist/variants/digits-arm/image/image.json'), 'utf8'));
    expect(image.server).toMatchObject({ tag: 'tf2aif/digits:arm', arch: 'arm64' });
    const inspect = await engine.docker!.getImage(image.server.id).inspect();
    expect(inspect.Architecture).toBe('arm64');
    expect(inspect.Config.Labels?.['ai.tf2aif.precision']).toBe('int8');
  });

  it('starts under emulation (LiteRT, no TensorFlow) and answers over v2 as the x86-64 LiteRT run of the same .tflite', async () => {
    const image = JSON.parse(readFileSync(suite.ws.path('dist/variants/digits-arm/image/image.json'), 'utf8'));
    // under qemu-user LiteRT's CPU detection crashes on the host's x86 /proc/cpuinfo, and XNNPACK's INT8
    // kernels compute wrong numbers: an aarch64 cpuinfo mounted over it, and LiteRT's built-in kernels
    // (tools/arm64-emulation/README.md); an emulated CPU also starts Python several times slower
    const { client } = await startServer(suite, image.server.tag, {
      platform: 'linux/arm64',
      env: ['TF2AIF_TFLITE_XNNPACK=0'],
      binds: [`${join(repoRoot, 'tools', 'arm64-emulation', 'cpuinfo')}:/proc/cpuinfo:ro`],
      readyWithinMs: 240_000,
    });
    try {
      const reference = localDigitsReference(suite.ws, 'tflite', 'dist/variants/digits-arm/quantize', SAMPLES);
      expect(reference.outputStep).toBeGreaterThan(0);
      let worst = 0;
      const served: number[] = [];
      for (const [i, pixels] of reference.images.entries()) {
        const [out] = await client.infer('digits', [float32Tensor('image', [1, 8, 8, 1], pixels)], ['output_0']);
        const values = Array.from(toFloat32(out));
        served.push(values.indexOf(Math.max(...values)));
        worst = Math.max(worst, ...values.map((v, j) => Math.abs(v - reference.outputs[i][j])));
      }
      // the same integer model on arm64 and x86-64 kernels: at most one step of the output's INT8 grid apart
      expect(worst).toBeLessThanOrEqual(reference.outputStep * 1.001);
      expect(served).toEqual(reference.classes);
    } finally {
      client.close();
    }
  });
});
