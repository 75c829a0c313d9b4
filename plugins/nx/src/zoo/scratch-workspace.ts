import { execFileSync } from 'child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';

/**
 * A workspace of its own for the zoo, where models are added as a user adds them: this workspace's npm packages
 * (the installed @tf2aif/nx among them) and managed Python env linked, and its own Nx cache, kept between runs so
 * an interrupted zoo resumes where it stopped. Its tasks hash the plugin by the package's fingerprint, so a
 * rebuilt plugin reruns exactly the cells whose code changed.
 */
export function prepareScratchWorkspace(workspaceRoot: string, scratchDir: string, cacheSize?: string): string {
  const root = join(workspaceRoot, scratchDir);
  mkdirSync(root, { recursive: true });
  // the package files name the npm packages Nx resolves targets' external dependencies against
  for (const file of ['package.json', 'package-lock.json'])
    if (existsSync(join(workspaceRoot, file))) cpSync(join(workspaceRoot, file), join(root, file));
  // Nx evicts its least recently used entries past maxCacheSize (default: 10% of the disk); the full zoo's
  // outputs are larger than that on a 252 GB disk, and a rerun would then rebuild what was evicted
  writeFileSync(
    join(root, 'nx.json'),
    JSON.stringify({ plugins: ['@tf2aif/nx'], ...(cacheSize ? { maxCacheSize: cacheSize } : {}) }, null, 2) + '\n',
  );
  writeFileSync(join(root, '.gitignore'), 'node_modules/\ndist/\n.nx/\n.tf2aif/\nexports/\n');
  linkNodeModules(join(workspaceRoot, 'node_modules'), join(root, 'node_modules'));
  linkOnce(join(workspaceRoot, '.tf2aif', 'venv'), join(root, '.tf2aif', 'venv'));
  // a repository of its own: this workspace's .gitignore (which ignores .tf2aif/) must not hide its files
  if (!existsSync(join(root, '.git'))) execFileSync('git', ['init', '-q', root]);
  return root;
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

/** Every npm package of the source workspace, linked. */
function linkNodeModules(from: string, to: string) {
  if (!existsSync(from)) throw new Error(`${from} is missing: install the workspace's npm packages first`);
  mkdirSync(to, { recursive: true });
  // a scratch workspace from before the plugin was a package held a copy of it here
  const old = join(to, '@tf2aif');
  if (existsSync(old) && !isLink(old)) rmSync(old, { recursive: true, force: true });
  for (const entry of readdirSync(from)) linkOnce(join(from, entry), join(to, entry));
}
