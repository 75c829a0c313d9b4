import { execFileSync } from 'child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import type { TargetSettings } from '../graph/inputs';

/**
 * A workspace of its own for the zoo, where models are added as a user adds them: it holds copies of this
 * workspace's plugin and Python toolchain (copied, not linked, so Nx hashes their content: a converter
 * change reruns the cells it touches), links to its npm packages and managed Python env, and its own Nx
 * cache, kept between runs so an interrupted zoo resumes where it stopped.
 */
export function prepareScratchWorkspace(workspaceRoot: string, scratchDir: string, loc: TargetSettings, cacheSize?: string): string {
  const root = join(workspaceRoot, scratchDir);
  mkdirSync(root, { recursive: true });
  // the package files name the npm packages Nx resolves targets' external dependencies against; Nx loads the
  // local TypeScript plugin through @swc-node/register, which wants the root tsconfig
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.base.json']) cpSync(join(workspaceRoot, file), join(root, file));
  // Nx evicts its least recently used entries past maxCacheSize (default: 10% of the disk); the full zoo's
  // outputs are larger than that on a 252 GB disk, and a rerun would then rebuild what was evicted
  writeFileSync(join(root, 'nx.json'), JSON.stringify({ plugins: ['@tf2aif/nx'], ...(cacheSize ? { maxCacheSize: cacheSize } : {}) }, null, 2) + '\n');
  writeFileSync(join(root, '.gitignore'), 'node_modules/\ndist/\n.nx/\n.tf2aif/\nexports/\n');

  syncCopy(join(workspaceRoot, loc.pluginDir), join(root, 'plugins', 'nx'));
  syncCopy(join(workspaceRoot, loc.toolchainDir), join(root, 'packages', 'toolchain'));
  linkNodeModules(join(workspaceRoot, 'node_modules'), join(root, 'node_modules'), join(root, 'plugins', 'nx'));
  linkOnce(join(workspaceRoot, '.tf2aif', 'venv'), join(root, '.tf2aif', 'venv'));
  // a repository of its own: this workspace's .gitignore (which ignores .tf2aif/) must not hide its files
  if (!existsSync(join(root, '.git'))) execFileSync('git', ['init', '-q', root]);
  return root;
}

const skipped = new Set(['node_modules', '__pycache__', '.pytest_cache']);

function syncCopy(from: string, to: string) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, filter: (src) => !src.split(/[\\/]/).some((part) => skipped.has(part)) });
}

function linkOnce(target: string, link: string) {
  if (existsSync(link) || isLink(link)) return;
  mkdirSync(join(link, '..'), { recursive: true });
  symlinkSync(target, link);
}

function isLink(path: string) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Every npm package of the source workspace, linked; the plugin itself points at the scratch copy. */
function linkNodeModules(from: string, to: string, plugin: string) {
  if (!existsSync(from)) throw new Error(`${from} is missing: run \`npm run setup\` first`);
  mkdirSync(join(to, '@tf2aif'), { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry !== '@tf2aif') linkOnce(join(from, entry), join(to, entry));
  }
  const pluginLink = join(to, '@tf2aif', 'nx');
  rmSync(pluginLink, { force: true, recursive: true });
  symlinkSync(relative(join(to, '@tf2aif'), plugin), pluginLink);
}
