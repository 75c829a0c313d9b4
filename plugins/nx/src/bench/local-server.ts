import type { ResultPromise } from 'execa';
import { createServer } from 'net';
import { ensurePythonToolchain, toolchainEnv } from '../toolchain/python-toolchain';
import { connectEngine } from '../image/docker-engine';
import { hostConfigFromRunArgs } from '../image/run-args';
import { V2Client } from './v2-client';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

async function waitReady(url: string, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const client = new V2Client(url);
  const deadline = Date.now() + timeoutMs;
  try {
    while (!(await client.ready())) {
      const why = exited();
      if (why) throw new Error(why);
      if (Date.now() > deadline) throw new Error(`the server at ${url} was not ready after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}

/** The variant's server from the managed toolchain on a free local port (what `serve` runs). */
export async function startLocalServer(workspaceRoot: string, config: string, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const toolchain = ensurePythonToolchain(workspaceRoot);
  const port = await freePort();
  const { execa } = await import('execa');
  const child: ResultPromise = execa(
    toolchain.python,
    ['-m', 'tf2aif_toolchain.serve', '--config', config, '--port', String(port), '--host', '127.0.0.1'],
    {
      cwd: workspaceRoot,
      env: { ...process.env, ...toolchainEnv(toolchain), ...extraEnv },
      stdin: 'ignore',
      all: true,
      reject: false,
    },
  );
  let log = '';
  child.all?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let exitCode: number | undefined;
  void child.then((r) => (exitCode = r.exitCode ?? -1));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, 120_000, () => (exitCode === undefined ? undefined : `the server exited (${exitCode}) before it was ready:\n${log.trim()}`));
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** The variant's image, run with host networking on a free port and the platform's devices (bench --image). */
export async function startImageServer(image: string, runArgs: string[], env: Record<string, string> = {}): Promise<RunningServer> {
  const { docker } = await connectEngine();
  const port = await freePort();
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['--port', String(port)],
    Env: [`TF2AIF_PORT=${port}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
    HostConfig: { NetworkMode: 'host', ...hostConfigFromRunArgs(runArgs) },
  });
  await container.start();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, 180_000, () => undefined);
  } catch (e) {
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    await container.remove({ force: true });
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
  return {
    url,
    async stop() {
      await container.stop({ t: 20 }).catch(() => undefined);
      await container.remove({ force: true }).catch(() => undefined);
    },
  };
}
