import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import { packageDir, packageName, packageVersion, toolchainPackageDir } from '../plugin/plugin-package';

/**
 * What a task runs of the installed plugin, as a content hash with the package version. The plugin is an external
 * dependency of the workspace (in node_modules, linked, or outside the workspace): tasks hash what it ships, never
 * the workspace's view of its folder. A part is a path pattern in the package (`dist/executors/convert/**`,
 * `platforms/cpu/platform.json`; `*` within a folder, `**` across folders); `py:` parts name modules of the toolchain
 * wheel, whose contents the build recorded in toolchain/manifest.json (the wheel holds them zipped).
 */

const toRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*')}$`,
  );

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(relative(packageDir, path).split('\\').join('/'));
  }
  return out;
}

// read once per process: the package does not change under a run (a rebuild stops the daemon, an upgrade restarts it)
let files: string[] | undefined;
let sources: Record<string, string> | undefined;
let imports: Record<string, string[]> = {};
const digests = new Map<string, string>();
const memo = new Map<string, string>();

function wheelSources(): Record<string, string> {
  if (!sources) {
    const file = join(toolchainPackageDir, 'manifest.json');
    const manifest = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { sources?: Record<string, string>; imports?: Record<string, string[]> })
      : {};
    sources = manifest.sources ?? {};
    imports = manifest.imports ?? {};
  }
  return sources;
}

/** One file's sha256, read once however many parts name it. */
function digest(file: string): string {
  let d = digests.get(file);
  if (d === undefined) {
    d = createHash('sha256')
      .update(readFileSync(join(packageDir, file)))
      .digest('hex');
    digests.set(file, d);
  }
  return d;
}

/** The modules and every module they import, transitively (the build records each module's relative imports). */
export function withImports(modules: string[]): string[] {
  const seen = new Set<string>();
  const visit = (m: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const dep of imports[m] ?? []) visit(dep);
  };
  modules.forEach(visit);
  return [...seen].sort();
}

/**
 * `@tf2aif/nx@<version> <sha256>` over the parts' files: package files by content, `py:` modules by the wheel's
 * manifest, a named module with the modules it imports (a quantizer's helper module is part of the quantizer).
 */
export function partsFingerprint(parts: string[]): string {
  const key = parts.join('\n');
  const known = memo.get(key);
  if (known) return known;
  files ??= ['dist', 'bin', 'platforms', 'templates', 'toolchain'].flatMap((d) => walk(join(packageDir, d)));
  const py = wheelSources();
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`part:${part}\n`);
    const wheel = part.startsWith('py:');
    const re = toRegExp(wheel ? part.slice(3) : part);
    // a named module brings its imports; a pattern (the core's top-level modules) is what it matches
    const modules = wheel ? Object.keys(py).filter((f) => re.test(f)) : [];
    const matched = wheel ? (part.includes('*') ? modules.sort() : withImports(modules)) : files.filter((f) => re.test(f));
    for (const f of matched) hash.update(`${f}:${wheel ? py[f] : digest(f)}\n`);
  }
  const fingerprint = `${packageName}@${packageVersion} ${hash.digest('hex')}`;
  memo.set(key, fingerprint);
  return fingerprint;
}

/** Everything the package holds: part of the key of cached createNodes results. */
export const packageFingerprint = () => partsFingerprint(['dist/**', 'bin/**', 'platforms/**', 'templates/**', 'toolchain/manifest.json']);
