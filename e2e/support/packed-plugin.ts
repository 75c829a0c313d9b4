// The plugin as it ships: `npm pack` of plugins/nx (built by `npm run build`, which `npm test` runs first), unpacked
// outside the repository with its npm dependencies linked. e2e workspaces install it from there, so they run exactly
// the files a user's `npm install @tf2aif/nx` gets, not the repository's folders.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';

export const repoRoot = join(__dirname, '..', '..');
const pluginSource = join(repoRoot, 'plugins', 'nx');

/** A content hash of what `npm pack` would take: the built package's folders and its top-level files. */
function packageHash(): string {
  if (!existsSync(join(pluginSource, 'toolchain', 'manifest.json'))) throw new Error('the plugin is not built: run `npm run build` (npm test does)');
  const hash = createHash('sha256');
  const add = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else hash.update(relative(pluginSource, path)).update(readFileSync(path));
  };
  for (const entry of ['dist', 'bin', 'platforms', 'templates', 'toolchain', 'package.json', 'executors.json', 'generators.json', 'README.md'])
    add(join(pluginSource, entry));
  return hash.digest('hex').slice(0, 16);
}

/** The unpacked package folder (its package.json at the top), made once per build and checkout and shared by every
 * e2e test. The checkout is part of the key: the folder links to its node_modules, and a clone of the same commit
 * elsewhere (a CI run in a scratch clone, since deleted) must not find a link into a folder that is gone. */
export function packedPlugin(): string {
  const checkout = createHash('sha256').update(repoRoot).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `tf2aif-packed-${packageHash()}-${checkout}`);
  const pkg = join(dir, 'package');
  if (existsSync(join(pkg, 'package.json'))) return pkg;
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', staging], { cwd: pluginSource, encoding: 'utf8' }),
  ) as Array<{ filename: string }>;
  execFileSync('tar', ['xzf', join(staging, filename), '-C', staging]);
  // its dependencies (and the nx / @nx/devkit peers) resolve from the package's own node_modules, as installed
  symlinkSync(join(repoRoot, 'node_modules'), join(staging, 'package', 'node_modules'));
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test file made it first
  }
  return pkg;
}

/**
 * A copy of the packed plugin standing for a new release in which `edit` changed something (the version stays, so
 * only what the edit touched may rerun).
 */
export function packedPluginCopy(edit: (packageDir: string) => void): string {
  const dir = join(tmpdir(), `tf2aif-packed-copy-${process.pid}-${Date.now()}`);
  cpSync(packedPlugin(), dir, { recursive: true, verbatimSymlinks: true });
  edit(dir);
  return dir;
}

/** The package's own toolchain manifest, as the build wrote it. */
export const packedManifest = (packageDir: string) => JSON.parse(readFileSync(join(packageDir, 'toolchain', 'manifest.json'), 'utf8'));
