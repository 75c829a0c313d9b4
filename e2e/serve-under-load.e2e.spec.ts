import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32Tensor, V2Client, V2HttpError } from '../plugins/nx/src/bench/v2-client';
import { freePort } from './support/docker';
import { startServe, type ServeRun } from './support/serve';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

const LOAD_SECONDS = Number(process.env.TF2AIF_LOAD_SECONDS ?? 60);

describe('nx run digits-cpu:serve under concurrent load', () => {
  let ws: TempWorkspace;
  let server: ServeRun | undefined;
  let url: string;

  beforeAll(async () => {
    ws = createTempWorkspace({ models: ['digits'] });
    const built = await ws.nx('run', 'digits-cpu:convert');
    expect(built.exitCode, built.output).toBe(0);
    server = await startServe(ws, 'digits-cpu', await freePort(), 120_000);
    url = server.url;
  });

  afterAll(async () => {
    await server?.stop('SIGTERM');
    ws?.dispose();
  });

  it(`answers ${LOAD_SECONDS} s of concurrent JSON and binary requests with no 5xx, and stays healthy`, async () => {
    const statuses = new Map<number, number>();
    let ok = 0;
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const end = Date.now() + LOAD_SECONDS * 1000;
    const pixels = Array.from({ length: 64 }, (_, i) => (i % 16) / 16);
    const worker = async (id: number) => {
      const client = new V2Client(url);
      try {
        for (let i = 0; Date.now() < end; i++) {
          try {
            if ((i + id) % 2) await client.infer('digits', [float32Tensor('image', [2, 8, 8, 1], [...pixels, ...pixels])], ['output_0']);
            else await client.inferJson('digits', [{ name: 'image', shape: [1, 8, 8, 1], datatype: 'FP32', data: pixels }]);
            ok++;
            // every tenth request of one client is malformed: it must get a 4xx and change nothing
            if (id === 0 && i % 10 === 0) {
              const bad = await client.raw('POST', '/v2/models/digits/infer', Buffer.from('{"inputs": [{"name": "image", "shape": [1, 9]'), {
                'Content-Type': 'application/json',
              });
              count(bad.status);
            }
          } catch (e) {
            count(e instanceof V2HttpError ? e.status : -1);
          }
        }
      } finally {
        client.close();
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    const serverErrors = [...statuses].filter(([s]) => s >= 500 || s < 0);
    expect(serverErrors).toEqual([]);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(LOAD_SECONDS * 20);
    const probe = new V2Client(url);
    expect(await probe.ready()).toBe(true);
    const metrics = (await probe.raw('GET', '/metrics')).body.toString();
    expect(metrics).toMatch(/tf2aif_requests_total|tf2aif_request/);
    probe.close();
  });
});
