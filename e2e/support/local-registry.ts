// A local npm registry (verdaccio) for installing the plugin the way a user does: `@tf2aif/*` is published
// into it and never proxied, everything else is proxied to the registry this machine's npm uses. The same
// setup as Nx's plugin e2e template (@nx/js:verdaccio + startLocalRegistry), written out because those
// need a `local-registry` target in a project, write the auth token into ~/.npmrc (`npm config set`) and
// set process.env for the whole test run; here the token lives in a temporary npm user config that only
// the children given `env` read, and the registry listens on a port the kernel picks (no free-port race).
import { execa, execaNode } from 'execa';
import { randomBytes } from 'crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { tmpdir } from 'os';
import { join } from 'path';
import { repoRoot } from './temp-workspace';

export interface LocalRegistry {
  /** http://127.0.0.1:<port> (no trailing slash) */
  url: string;
  /** what makes npm, npx and Nx in a child process install from and publish to this registry */
  env: Record<string, string>;
  /** the registry's folder: config.yaml, storage/, npmrc */
  dir: string;
  /** seconds from spawn to the first answer of /-/ping */
  startSeconds: number;
  /** stops verdaccio and deletes its folder */
  stop(): Promise<void>;
}

// Runs inside the child: verdaccio's programmatic server on a port of the kernel's choosing, the port sent
// back over IPC. When the IPC channel closes (the test process ended, crashed or was killed) it deletes its
// folder and exits, so no registry outlives its test.
const launcher = `
const { runServer } = require(process.argv[2]);
runServer(process.argv[3]).then((server) => {
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => {
    require('fs').rmSync(require('path').dirname(process.argv[3]), { recursive: true, force: true });
    process.exit(0);
  });
}, (error) => { console.error(error); process.exit(1); });
`;

export async function startLocalRegistry(options: { timeoutMs?: number } = {}): Promise<LocalRegistry> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tf2aif-registry-'));
  const upstream = (await execa('npm', ['config', 'get', 'registry'], { cwd: repoRoot })).stdout.trim();
  mkdirSync(join(dir, 'storage'));
  writeFileSync(join(dir, 'config.yaml'), verdaccioConfig(join(dir, 'storage'), upstream));
  writeFileSync(join(dir, 'launcher.cjs'), launcher);

  const verdaccio = createRequire(join(repoRoot, 'package.json')).resolve('verdaccio');
  const child = execaNode(join(dir, 'launcher.cjs'), [verdaccio, join(dir, 'config.yaml')], {
    ipc: true,
    nodeOptions: [], // not the test runner's loaders
    reject: false,
    all: true,
    buffer: { ipc: false },
  });
  const fail = async (why: string): Promise<never> => {
    child.kill();
    const { all } = await child;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`verdaccio did not start: ${why}\n${all ?? ''}`);
  };

  let port: number;
  let timer: NodeJS.Timeout | undefined;
  try {
    const message = (await Promise.race([
      child.getOneMessage(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no port in ${timeoutMs / 1000} s`)), timeoutMs))),
    ])) as { port: number };
    port = message.port;
  } catch (error) {
    return fail(String(error));
  } finally {
    clearTimeout(timer);
  }
  const url = `http://127.0.0.1:${port}`;
  while (
    !(await fetch(`${url}/-/ping`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() - started > timeoutMs) return fail(`${url}/-/ping did not answer in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }

  // npm refuses to publish without a token for the registry's host; verdaccio lets anyone publish
  // `@tf2aif/*` (publish: $all), so any placeholder will do, as in Nx's template.
  const npmrc = join(dir, 'npmrc');
  const token = randomBytes(16).toString('hex');
  writeFileSync(
    npmrc,
    [`registry=${url}/`, `//127.0.0.1:${port}/:_authToken=${token}`, 'audit=false', 'fund=false', 'update-notifier=false', ''].join('\n'),
    {
      mode: 0o600,
    },
  );
  return {
    url,
    dir,
    startSeconds: (Date.now() - started) / 1000,
    env: { npm_config_registry: `${url}/`, npm_config_userconfig: npmrc },
    async stop() {
      child.kill(); // SIGTERM, then SIGKILL after execa's 5 s grace
      await child;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment for a child that should use the registry: this process's, less what an enclosing
 * `npm test` / `npm run` exported (npm_config_*, npm_package_*, ...: another user config, prefix or
 * registry), plus the registry's and the caller's.
 */
export function registryEnv(registry: Pick<LocalRegistry, 'env'>, extra: Record<string, string> = {}): Record<string, string> {
  const inherited = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0]));
  return { ...Object.fromEntries(inherited), ...registry.env, ...extra };
}

function verdaccioConfig(storage: string, upstream: string): string {
  // Uplink: a proxied workspace install asks for hundreds of packuments at once; verdaccio's defaults (30 s
  // timeout, offline for 5 min after 2 failures) turn one slow answer into 404s for the rest of the test.
  // Tarballs are passed through, not stored (cache: false): npm's own cache keeps them between runs.
  return `storage: ${JSON.stringify(storage)}
max_body_size: 200mb
web:
  enable: false
uplinks:
  upstream:
    url: ${JSON.stringify(upstream)}
    timeout: 120s
    max_fails: 20
    fail_timeout: 10s
    maxage: 30m
    cache: false
packages:
  '@tf2aif/*':
    access: $all
    publish: $all
    unpublish: $all
  '**':
    access: $all
    proxy: upstream
log:
  type: stdout
  format: pretty
  level: warn
`;
}
