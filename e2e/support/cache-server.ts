// The nginx remote cache (tools/cache-server.sh) in a folder of its own, on a free port, with one token
// of each role: for the sharded-pipeline e2e test and tools/sharded-pipeline.ts.
import { execa } from 'execa';
import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { freePort } from '../../plugins/nx/src/bench/local-server';
import { repoRoot } from './temp-workspace';

export interface CacheServer {
  url: string;
  dir: string;
  tokens: { readWrite: string; readOnly: string };
  /** the stored entries: hash -> bytes */
  entries(): Map<string, number>;
  /** one raw request of the protocol, as any client would send it */
  request(method: string, hash: string, token?: string, body?: Uint8Array): Promise<{ status: number; body: Buffer }>;
  /** every request the server answered, from its access log */
  requests(): Array<{ method: string; hash: string; status: number }>;
  status(): Promise<string>;
  /** stops the server and deletes its folder; resolves to what `status` says afterwards */
  stop(): Promise<string>;
}

export async function startCacheServer(): Promise<CacheServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tf2aif-cache-server-'));
  const token = () => randomBytes(24).toString('base64url');
  const tokens = { readWrite: token(), readOnly: token() };
  writeFileSync(join(dir, 'tokens'), `read-write ${tokens.readWrite}\nread-only ${tokens.readOnly}\n`, { mode: 0o600 });
  const env = { ...process.env, TF2AIF_CACHE_SERVER_DIR: dir, TF2AIF_CACHE_SERVER_PORT: String(await freePort()) };
  const script = join(repoRoot, 'tools', 'cache-server.sh');
  const started = await execa('bash', [script, 'start'], { env, reject: false, all: true });
  if (started.exitCode !== 0) throw new Error(`the cache server did not start:\n${started.all}`);
  const url = started.stdout.trim();
  const entriesDir = join(dir, 'data', 'v1', 'cache');
  return {
    url,
    dir,
    tokens,
    entries: () =>
      new Map(existsSync(entriesDir) ? readdirSync(entriesDir).map((hash) => [hash, statSync(join(entriesDir, hash)).size] as const) : []),
    async request(method, hash, bearer, body) {
      const response = await fetch(`${url}/v1/cache/${hash}`, {
        method,
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'content-type': 'application/octet-stream' },
        body,
      });
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    },
    requests() {
      const log = join(dir, 'run', 'access.log');
      if (!existsSync(log)) return [];
      return [...readFileSync(log, 'utf8').matchAll(/"(\w+) \/v1\/cache\/(\S+) HTTP\/[\d.]+" (\d{3})/g)].map(([, method, hash, status]) => ({
        method,
        hash,
        status: Number(status),
      }));
    },
    async status() {
      const run = await execa('bash', [script, 'status'], { env, reject: false, all: true });
      return run.all ?? '';
    },
    async stop() {
      await execa('bash', [script, 'stop'], { env, reject: false });
      const after = await execa('bash', [script, 'status'], { env, reject: false, all: true });
      rmSync(dir, { recursive: true, force: true });
      return after.all ?? '';
    },
  };
}
