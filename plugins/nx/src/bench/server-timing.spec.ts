import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { afterEach, describe, expect, it } from 'vitest';
import { latencyBench } from './http-bench';
import { parseServerTiming, runtimeMs } from './server-timing';

describe('Server-Timing', () => {
  it('parses each stage in milliseconds and sums the runtime call', () => {
    const timing = parseServerTiming(
      'decode;dur=0.081, preprocess;dur=0.002, queue;dur=0.000, infer;dur=58.312, postprocess;dur=0.001, encode;dur=0.110',
    );
    expect(timing).toEqual({ decode: 0.081, preprocess: 0.002, queue: 0, infer: 58.312, postprocess: 0.001, encode: 0.11 });
    expect(runtimeMs(timing)).toBeCloseTo(58.315, 6);
  });

  it('gives null for an absent, malformed or partial header', () => {
    expect(parseServerTiming(undefined)).toBeNull();
    expect(parseServerTiming('infer;dur=abc')).toBeNull();
    expect(parseServerTiming('infer')).toBeNull();
    expect(runtimeMs(parseServerTiming('infer;dur=3, encode;dur=1'))).toBeNull();
  });
});

describe('LAT bench with the server timing its runtime', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A v2 server whose infer answers at once, saying the runtime took `inferMs` (or sending no header). */
  async function fakeServer(inferMs: number | null): Promise<string> {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET') {
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({
              name: 'm',
              inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2], range: [0, 1] }],
              outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
            }),
          );
          return;
        }
        if (inferMs !== null)
          res.setHeader(
            'Server-Timing',
            `decode;dur=0.010, preprocess;dur=0.001, queue;dur=0.000, infer;dur=${inferMs}, postprocess;dur=0.001, encode;dur=0.010`,
          );
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it("reports the p50 of the runtime's time on the same requests", async () => {
    const result = await latencyBench(await fakeServer(7.5), 'm', 10, () => {});
    expect(result.runtimeP50).toBeCloseTo(7.502, 6);
    expect(result.requests).toBeGreaterThan(0);
  });

  it('reports null when the server does not time its runtime', async () => {
    const result = await latencyBench(await fakeServer(null), 'm', 10, () => {});
    expect(result.runtimeP50).toBeNull();
  });
});
