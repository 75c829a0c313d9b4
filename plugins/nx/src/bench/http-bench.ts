import { RawConnection } from './raw-connection';
import { parseServerTiming, runtimeMs } from './server-timing';
import { untilStable, percentile, median } from './stable-windows';
import { bytesPerElement, encodeBinaryRequest, V2Client, type ModelMetadata, type Tensor } from './v2-client';

const writers: Partial<Record<string, (data: Buffer, i: number, value: number) => void>> = {
  INT8: (d, i, v) => d.writeInt8(v, i),
  UINT8: (d, i, v) => d.writeUInt8(v, i),
  BOOL: (d, i, v) => d.writeUInt8(v & 1, i),
  INT32: (d, i, v) => d.writeInt32LE(v, i * 4),
  INT64: (d, i, v) => d.writeBigInt64LE(BigInt(v), i * 8),
};

/**
 * Random binary tensors shaped from the server's model metadata (-1 dims: `batch` first, then the shape range's opt
 * where the input has one, else 1), each input in the range the metadata gives (a tf2aif server's variant.json
 * resolves one per input: tf2aif.json's, the graph's - an embedding's rows -, or valueRanges).
 */
export function randomInputs(meta: ModelMetadata, batch: number): Tensor[] {
  return meta.inputs.map((spec) => {
    const opt = spec.shapeRange?.opt;
    const shape = spec.shape.map((d, i) => (i === 0 ? (d === -1 ? batch : d) : (opt?.[i - 1] ?? (d === -1 ? 1 : d))));
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(count * bytesPerElement(spec.datatype));
    const write = writers[spec.datatype];
    if (spec.datatype === 'BOOL') {
      for (let i = 0; i < count; i++) data.writeUInt8(Math.random() < 0.5 ? 1 : 0, i);
      return { name: spec.name, datatype: spec.datatype, shape, data };
    }
    if (!spec.range)
      throw new Error(`input ${spec.name}: the server's metadata gives no value range (a tf2aif server does: variant.json inputs[].range)`);
    const [low, high] = spec.range;
    if (spec.datatype === 'FP32') for (let i = 0; i < count; i++) data.writeFloatLE(low + Math.random() * (high - low), i * 4);
    else if (write) for (let i = 0; i < count; i++) write(data, i, low + Math.floor(Math.random() * (high - low + 1)));
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
}

export interface LatencyResult {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  requests: number;
  stable: boolean;
  windows: number;
  /** From the same kept requests' Server-Timing headers: p50 of the runtime's call inside the server (ms);
   * null when the server sends no such header. */
  runtimeP50: number | null;
}

type Progress = (line: string) => void;

/** One binary infer request, encoded once: the hot loops only send these bytes. */
function preparedInfer(connection: RawConnection, model: string, request: { body: Buffer; headerLength: number }): Buffer {
  const headers = { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(request.headerLength) };
  return connection.prepare('POST', `/v2/models/${model}/infer`, request.body, headers);
}

/**
 * What both benches send: batch-1 random inputs from the model's metadata, encoded once as a binary infer request, and
 * `count` raw connections to the server, each sending the same prepared bytes (same host and port for all).
 */
async function preparedBench(url: string, model: string, count: number): Promise<{ connections: RawConnection[]; prepared: Buffer }> {
  const client = new V2Client(url);
  try {
    const meta = await client.metadata(model);
    const request = encodeBinaryRequest(
      randomInputs(meta, 1),
      meta.outputs.map((o) => o.name),
    );
    const { hostname, port } = new URL(url);
    const connections = Array.from({ length: count }, () => new RawConnection(hostname, Number(port)));
    return { connections, prepared: preparedInfer(connections[0], model, request) };
  } finally {
    client.close();
  }
}

/** Sends a prepared infer request; throws on a non-200. */
async function inferOver(connection: RawConnection, prepared: Buffer) {
  const res = await connection.send(prepared);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.toString()}`);
  return res;
}

/** LAT: one client, batch 1, requests back to back; windows of ~0.5 s until their medians agree. */
export async function latencyBench(url: string, model: string, maxSeconds: number, progress: Progress): Promise<LatencyResult> {
  const { connections, prepared } = await preparedBench(url, model, 1);
  const [connection] = connections;
  const runtimes: (number | null)[][] = []; // per window, per request: the runtime's ms inside the server
  const once = async (runtime?: (number | null)[]) => {
    const start = process.hrtime.bigint();
    const res = await inferOver(connection, prepared);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    runtime?.push(runtimeMs(parseServerTiming(res.headers['server-timing'])));
    return ms;
  };
  for (let i = 0; i < 5; i++) await once(); // warm-up: connection, caches, lazy init
  const first = await once();
  const perWindow = Math.max(5, Math.min(500, Math.ceil(500 / Math.max(first, 0.01))));
  const windows: number[][] = [];
  const result = await untilStable(
    async () => {
      const samples: number[] = [];
      const runtime: (number | null)[] = [];
      for (let i = 0; i < perWindow; i++) samples.push(await once(runtime));
      windows.push(samples);
      runtimes.push(runtime);
      return median(samples);
    },
    { maxSeconds, onWindow: (n, v, ok) => progress(`LAT window ${n}: p50 ${v.toFixed(3)} ms${ok ? ' (stable)' : ''}`) },
  );
  connection.close();
  const kept = windows.slice(-3).flat();
  const keptRuntimes = runtimes.slice(-3).flat();
  const runtimeP50 = keptRuntimes.every((v) => v !== null) ? percentile(keptRuntimes as number[], 50) : null;
  return {
    runtimeP50,
    p50: percentile(kept, 50),
    p90: percentile(kept, 90),
    p99: percentile(kept, 99),
    mean: kept.reduce((a, b) => a + b, 0) / kept.length,
    requests: windows.flat().length,
    stable: result.stable,
    windows: windows.length,
  };
}

export interface ThroughputResult {
  perSecond: number;
  concurrency: number;
  requestBatch: number;
  stable: boolean;
  windows: number;
  errors: number;
}

/** THR: `concurrency` clients sending batch-1 requests; the server batches them. Windows of fixed wall time. */
export async function throughputBench(
  url: string,
  model: string,
  concurrency: number,
  maxSeconds: number,
  progress: Progress,
): Promise<ThroughputResult> {
  const { connections, prepared } = await preparedBench(url, model, concurrency);
  let errors = 0;
  const window = async (ms: number) => {
    let done = 0;
    const end = Date.now() + ms;
    await Promise.all(
      connections.map(async (connection) => {
        while (Date.now() < end) {
          try {
            await inferOver(connection, prepared);
            done++;
          } catch {
            errors++;
          }
        }
      }),
    );
    return (done * 1000) / ms;
  };
  await window(2000); // warm-up: a fresh server's first second runs slow (allocator, runtime thread pools)
  const result = await untilStable(() => window(1500), {
    maxSeconds,
    tolerance: 0.05, // shares of in-process throughput are compared against a 10% goal: windows must agree tighter
    minWindows: 4,
    onWindow: (n, v, ok) => progress(`THR window ${n}: ${v.toFixed(1)} inferences/s with ${concurrency} clients${ok ? ' (stable)' : ''}`),
  });
  for (const c of connections) c.close();
  return { perSecond: median(result.values.slice(-3)), concurrency, requestBatch: 1, stable: result.stable, windows: result.values.length, errors };
}
