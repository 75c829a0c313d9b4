import { request, Agent } from 'http';

/** Open Inference Protocol (KServe v2) over HTTP/1.1 keep-alive, with the binary tensor data extension. */

export type Datatype = 'FP32' | 'FP16' | 'INT8' | 'UINT8' | 'INT32' | 'INT64' | 'BOOL';

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** little-endian bytes, as the binary extension sends them */
  data: Buffer;
}

export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** tf2aif's extension: an input with unknown dimensions accepts shapes from min to max (without the batch) */
  shapeRange?: { min: number[]; opt: number[]; max: number[] };
  /** a tf2aif server's valid [min, max] of the input's values (variant.json inputs[].range) */
  range?: [number, number];
}

export interface ModelMetadata {
  name: string;
  platform?: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export class V2HttpError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

const bytesPer: Record<Datatype, number> = { FP32: 4, FP16: 2, INT8: 1, UINT8: 1, INT32: 4, INT64: 8, BOOL: 1 };

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function float32Tensor(name: string, shape: number[], values: ArrayLike<number>): Tensor {
  const array = Float32Array.from(values);
  if (array.length !== elementCount(shape)) throw new Error(`${name}: ${array.length} values for shape [${shape}]`);
  return { name, datatype: 'FP32', shape, data: Buffer.from(array.buffer, array.byteOffset, array.byteLength) };
}

export function toFloat32(t: Tensor): Float32Array {
  if (t.datatype !== 'FP32') throw new Error(`${t.name} is ${t.datatype}, not FP32`);
  const copy = Buffer.from(t.data); // aligned copy
  return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
}

/** The binary request body and the length of its JSON header. */
export function encodeBinaryRequest(inputs: Tensor[], outputs: string[]): { body: Buffer; headerLength: number } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: inputs.map((t) => ({ name: t.name, shape: t.shape, datatype: t.datatype, parameters: { binary_data_size: t.data.length } })),
      outputs: outputs.map((name) => ({ name, parameters: { binary_data: true } })),
    }),
  );
  return { body: Buffer.concat([header, ...inputs.map((t) => t.data)]), headerLength: header.length };
}

export function decodeResponse(body: Buffer, headerLength: number | undefined): Tensor[] {
  const json = JSON.parse(body.subarray(0, headerLength ?? body.length).toString('utf8'));
  let offset = headerLength ?? 0;
  return json.outputs.map((o: TensorMetadata & { data?: number[]; parameters?: { binary_data_size?: number } }) => {
    const size = o.parameters?.binary_data_size;
    if (size !== undefined) {
      const data = body.subarray(offset, offset + size);
      offset += size;
      return { name: o.name, datatype: o.datatype, shape: o.shape, data };
    }
    if (o.datatype !== 'FP32') throw new Error(`JSON output ${o.name} of type ${o.datatype} is not supported by this client`);
    return float32Tensor(o.name, o.shape, (o.data ?? []).flat(Infinity as 1) as number[]);
  });
}

export class V2Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly url: URL;

  constructor(baseUrl: string) {
    this.url = new URL(baseUrl);
  }

  raw(
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method,
          agent: this.agent,
          headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async getJson<T>(path: string): Promise<T> {
    const res = await this.raw('GET', path);
    if (res.status !== 200) throw new V2HttpError(res.status, res.body.toString());
    return JSON.parse(res.body.toString()) as T;
  }

  async ready(): Promise<boolean> {
    try {
      return (await this.raw('GET', '/v2/health/ready')).status === 200;
    } catch {
      return false;
    }
  }

  metadata(model: string): Promise<ModelMetadata> {
    return this.getJson(`/v2/models/${model}`);
  }

  async infer(model: string, inputs: Tensor[], outputs: string[]): Promise<Tensor[]> {
    return this.inferEncoded(model, encodeBinaryRequest(inputs, outputs));
  }

  /** A request encoded once and sent many times (what a load generator does, like perf_analyzer). */
  async inferEncoded(model: string, { body, headerLength }: { body: Buffer; headerLength: number }): Promise<Tensor[]> {
    const res = await this.raw('POST', `/v2/models/${model}/infer`, body, {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(headerLength),
    });
    if (res.status !== 200) throw new V2HttpError(res.status, res.body.toString());
    const length = res.headers['inference-header-content-length'];
    return decodeResponse(res.body, length === undefined ? undefined : Number(length));
  }

  async inferJson(model: string, inputs: { name: string; shape: number[]; datatype: Datatype; data: number[] }[]): Promise<Tensor[]> {
    const res = await this.raw('POST', `/v2/models/${model}/infer`, Buffer.from(JSON.stringify({ inputs })), { 'Content-Type': 'application/json' });
    if (res.status !== 200) throw new V2HttpError(res.status, res.body.toString());
    return decodeResponse(res.body, undefined);
  }

  close(): void {
    this.agent.destroy();
  }
}

export const bytesPerElement = (t: Datatype) => bytesPer[t];
