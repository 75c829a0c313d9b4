import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const repoRoot = join(__dirname, '..', '..');

export interface TempWorkspace {
  root: string;
  /** runs the workspace's Nx; never throws, so tests can assert on failures */
  nx(...args: string[]): Promise<{ exitCode: number; output: string }>;
  /** the same, with extra environment variables */
  nxEnv(env: Record<string, string>, ...args: string[]): Promise<{ exitCode: number; output: string }>;
  path(...parts: string[]): string;
  dispose(): void;
}

/**
 * A fresh Nx workspace in a temporary folder, holding a copy of the plugin and the Python toolchain,
 * the bundled models named, fixtures from e2e/fixtures, and the model zoo's catalog when asked. npm packages are linked from this repo
 * (except the plugin, which points at the copy); the managed Python env is linked unless `withPython` is false.
 */
export function createTempWorkspace(options: { models?: string[]; fixtures?: string[]; withPython?: boolean; zoo?: boolean } = {}): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'tf2aif-e2e-'));
  for (const file of ['package.json', 'package-lock.json', 'nx.json', 'tsconfig.base.json']) cpSync(join(repoRoot, file), join(root, file));
  cpSync(join(repoRoot, 'plugins'), join(root, 'plugins'), { recursive: true });
  cpSync(join(repoRoot, 'packages', 'toolchain'), join(root, 'packages', 'toolchain'), {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache'),
  });
  for (const model of options.models ?? []) cpSync(join(repoRoot, 'models', model), join(root, 'models', model), { recursive: true });
  if (options.zoo) cpSync(join(repoRoot, 'zoo'), join(root, 'zoo'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  for (const fixture of options.fixtures ?? []) cpSync(join(__dirname, '..', 'fixtures', fixture), join(root, 'models', fixture), { recursive: true });
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

/** npm packages linked from this repo (the plugin points at the workspace's own copy), and the Python env. */
function linkInstalled(root: string, withPython: boolean) {
  mkdirSync(join(root, 'node_modules', '@tf2aif'), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry !== '@tf2aif') symlinkSync(join(repoRoot, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  symlinkSync(join(root, 'plugins', 'nx'), join(root, 'node_modules', '@tf2aif', 'nx'));
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
