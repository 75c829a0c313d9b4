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

describe.skipIf(!engine.docker)(`digits-cpu image through the Docker Engine API${engine.missing ? ` (skipped: ${engine.missing})` : ''}`, () => {
  let ws: TempWorkspace;
  let docker: Docker;
  let container: Docker.Container | undefined;

  beforeAll(() => {
    docker = engine.docker!;
    ensureLocalBase();
    ws = createTempWorkspace({ models: ['digits'] });
  });
  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    ws?.dispose();
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
    const port = await freePort();
    const image = JSON.parse(readFileSync(ws.path('dist/variants/digits-cpu/image/image.json'), 'utf8'));
    container = await docker.createContainer({ Image: image.server.tag, Cmd: ['--port', String(port)], Env: [`TF2AIF_PORT=${port}`], HostConfig: { NetworkMode: 'host' } });
    await container.start();
    const client = new V2Client(`http://127.0.0.1:${port}`);
    try {
      const deadline = Date.now() + 60_000;
      while (!(await client.ready())) {
        if (Date.now() > deadline) throw new Error(`server not ready: ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
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
      expect(run.output).toMatch(/✖ No Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock \(.*\): start one .* or set DOCKER_HOST to a running engine\./);
    } finally {
      ws.dispose();
    }
  });
});

const emulation = engine.docker ? arm64Emulation() : { ok: false, missing: engine.missing };

describe.skipIf(!emulation.ok)(`digits-arm image for linux/arm64${emulation.missing ? ` (skipped: ${emulation.missing})` : ''}`, () => {
  let ws: TempWorkspace;
  let container: Docker.Container | undefined;
  beforeAll(() => {
    ensureLocalBase('arm64');
    ws = createTempWorkspace({ models: ['digits'] });
  });
  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    ws?.dispose();
  });

  it('is built under emulation on this x86-64 engine and recorded as arm64', async () => {
    const run = await ws.nx('run', 'digits-arm:image');
    expect(run.exitCode, run.output).toBe(0);
    const image = JSON.parse(readFileSync(ws.path('dist/variants/digits-arm/image/image.json'), 'utf8'));
    expect(image.server).toMatchObject({ tag: 'tf2aif/digits:arm', arch: 'arm64' });
    const inspect = await engine.docker!.getImage(image.server.id).inspect();
    expect(inspect.Architecture).toBe('arm64');
    expect(inspect.Config.Labels?.['ai.tf2aif.precision']).toBe('int8');
  });

  it('starts under emulation (LiteRT, no TensorFlow) and answers over v2 as the x86-64 LiteRT run of the same .tflite', async () => {
    const port = await freePort();
    const image = JSON.parse(readFileSync(ws.path('dist/variants/digits-arm/image/image.json'), 'utf8'));
    container = await engine.docker!.createContainer({
      Image: image.server.tag,
      platform: 'linux/arm64',
      Cmd: ['--port', String(port)],
      // under qemu-user XNNPACK's INT8 kernels compute wrong numbers: LiteRT's built-in kernels instead
      Env: [`TF2AIF_PORT=${port}`, 'TF2AIF_TFLITE_XNNPACK=0'],
      // qemu-user shows the host's x86 /proc/cpuinfo, on which LiteRT's CPU detection crashes (tools/arm64-emulation)
      HostConfig: { NetworkMode: 'host', Binds: [`${join(repoRoot, 'tools', 'arm64-emulation', 'cpuinfo')}:/proc/cpuinfo:ro`] },
    });
    await container.start();
    const client = new V2Client(`http://127.0.0.1:${port}`);
    try {
      // an emulated CPU starts Python and LiteRT several times slower
      const deadline = Date.now() + 240_000;
      while (!(await client.ready())) {
        const state = (await container.inspect()).State;
        if (!state.Running || Date.now() > deadline) {
          throw new Error(`server not ready (${state.Status}): ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      const reference = localDigitsReference(ws, 'tflite', 'dist/variants/digits-arm/quantize', SAMPLES);
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
