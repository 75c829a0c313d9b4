import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { packedPlugin, repoRoot } from './packed-plugin';

export { repoRoot };

export interface TempWorkspace {
  root: string;
  /** runs the workspace's Nx; never throws, so tests can assert on failures */
  nx(...args: string[]): Promise<{ exitCode: number; output: string }>;
  /** the same, with extra environment variables */
  nxEnv(env: Record<string, string>, ...args: string[]): Promise<{ exitCode: number; output: string }>;
  path(...parts: string[]): string;
  /** points node_modules/@tf2aif/nx at another copy of the package (a new release, for instance) */
  usePlugin(packageDir: string): void;
  dispose(): void;
}

/**
 * nx.json as `nx add @tf2aif/nx` leaves it (the plugin registered), with this machine's offline base images. The
 * cache stays in the workspace: Nx 23 otherwise shares one local cache between checkouts of the same repository
 * (~/.nx/<workspace id>, from the git remote or first commit), and clones of one workspace stand for separate CI
 * machines here (the sharded pipeline).
 */
const nxJson = {
  cacheDirectory: '.nx/cache',
  plugins: [
    { plugin: '@tf2aif/nx', options: { baseImages: { amd64: 'tf2aif/base:bookworm-py311-amd64', arm64: 'tf2aif/base:bookworm-py311-arm64' } } },
  ],
};

/**
 * A fresh Nx workspace in a temporary folder with the plugin installed as it ships (the packed package, see
 * packed-plugin.ts) and nothing of this repository's layout: the bundled models named, fixtures from e2e/fixtures,
 * and the model zoo's catalog when asked. The other npm packages are linked from this repo; the managed Python env
 * is linked unless `withPython` is false (then the plugin installs it, or says why it cannot).
 */
export function createTempWorkspace(options: { models?: string[]; fixtures?: string[]; withPython?: boolean; zoo?: boolean } = {}): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'tf2aif-e2e-'));
  // the lock file names the npm packages Nx resolves targets' external dependencies (nx) against
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, file), join(root, file));
  writeFileSync(join(root, 'nx.json'), JSON.stringify(nxJson, null, 2) + '\n');
  for (const model of options.models ?? []) cpSync(join(repoRoot, 'models', model), join(root, 'models', model), { recursive: true });
  if (options.zoo) cpSync(join(repoRoot, 'zoo'), join(root, 'zoo'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  for (const fixture of options.fixtures ?? [])
    cpSync(join(__dirname, '..', 'fixtures', fixture), join(root, 'models', fixture), { recursive: true });
  writeFileSync(join(root, '.gitignore'), 'node_modules/\ndist/\n.tf2aif/\n.nx/\n');

  linkInstalled(root, options.withPython !== false);
  return workspaceAt(root);
}

/**
 * A fresh `git clone` of a workspace (what a CI runner checks out): no dist/, no Nx cache, its npm packages
 * and managed Python env linked as in createTempWorkspace.
 */
export async function cloneWorkspace(source: string): Promise<TempWorkspace> {
  const root = mkdtempSync(join(tmpdir(), 'tf2aif-clone-'));
  await execa('git', ['clone', '-q', source, root]);
  linkInstalled(root, true);
  return workspaceAt(root);
}

function usePlugin(root: string, packageDir: string) {
  mkdirSync(join(root, 'node_modules', '@tf2aif'), { recursive: true });
  rmSync(join(root, 'node_modules', '@tf2aif', 'nx'), { force: true, recursive: true });
  symlinkSync(packageDir, join(root, 'node_modules', '@tf2aif', 'nx'));
}

/** npm packages linked from this repo, the plugin from its packed copy, and the Python env. */
function linkInstalled(root: string, withPython: boolean) {
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry !== '@tf2aif') symlinkSync(join(repoRoot, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  usePlugin(root, packedPlugin());
  if (withPython) {
    const venv = join(repoRoot, '.tf2aif', 'venv');
    if (!existsSync(join(venv, 'bin', 'python'))) throw new Error('the managed Python toolchain is missing: run `npm run setup` first');
    mkdirSync(join(root, '.tf2aif'), { recursive: true });
    symlinkSync(venv, join(root, '.tf2aif', 'venv'));
  }
}

function workspaceAt(root: string): TempWorkspace {
  return {
    root,
    path: (...parts) => join(root, ...parts),
    usePlugin: (packageDir) => usePlugin(root, packageDir),
    nx(...args) {
      return this.nxEnv({}, ...args);
    },
    async nxEnv(env, ...args) {
      const result = await execa('node', [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], {
        cwd: root,
        reject: false,
        all: true,
        env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_ISOLATE_PLUGINS: 'false', NX_TUI: 'false', FORCE_COLOR: '0', ...env },
      });
      return { exitCode: result.exitCode ?? 1, output: result.all ?? '' };
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

export async function gitCommitAll(root: string, message: string) {
  const git = (...args: string[]) => execa('git', args, { cwd: root });
  if (!existsSync(join(root, '.git'))) await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('-c', 'user.name=e2e', '-c', 'user.email=e2e@tf2aif.local', 'commit', '-qm', message);
}
