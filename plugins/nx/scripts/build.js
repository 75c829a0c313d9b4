#!/usr/bin/env node
// Builds the npm package @tf2aif/nx in place (plugins/nx), as it is packed and published:
//   dist/       the plugin compiled to CommonJS with declarations, plus the executors' and generators' schemas
//               and generator file templates
//   toolchain/  the Python toolchain as a wheel (packages/toolchain, built by `uv build`), its pinned and hashed
//               requirements.lock, the image requirement locks, and manifest.json (what the installer and the
//               tasks' fingerprints read)
// Plain Node (no Nx, no TypeScript loader): the workspace's Nx loads this very plugin, so the first build must run
// before Nx can. `node plugins/nx/scripts/build.js` (npm run build); `nx run @tf2aif/nx:build` once it is built.
'use strict';
const { execFileSync } = require('child_process');
const { createHash } = require('crypto');
const { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('fs');
const { dirname, join, relative } = require('path');

const pkgDir = join(__dirname, '..');
const repoRoot = join(pkgDir, '..', '..');
const toolchainSrc = join(repoRoot, 'packages', 'toolchain');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const log = (line) => process.stderr.write(`tf2aif build: ${line}\n`);

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** 1. TypeScript to dist/ (incremental: a rebuild with nothing changed takes a moment). */
function compile() {
  const started = Date.now();
  const tsc = require.resolve('typescript/bin/tsc', { paths: [repoRoot] });
  execFileSync(process.execPath, [tsc, '-p', join(pkgDir, 'tsconfig.lib.json')], { stdio: 'inherit' });
  log(`compiled src/ to dist/ (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Leftovers of earlier builds (a module since removed or excluded, source maps) would ship: only what src/ has stays. */
function prune() {
  const src = join(pkgDir, 'src');
  const excluded = /\.spec\.ts$|__fixtures__/;
  let n = 0;
  for (const file of walk(join(pkgDir, 'dist'))) {
    const rel = relative(join(pkgDir, 'dist'), file);
    if (rel === '.tsbuildinfo') continue;
    const source = rel.replace(/\.d\.ts$|\.js$/, '.ts');
    const keep = source !== rel ? existsSync(join(src, source)) && !excluded.test(source) : existsSync(join(src, rel)) && !excluded.test(rel);
    if (!keep) {
      rmSync(file);
      n += 1;
    }
  }
  if (n > 0) log(`removed ${n} stale files from dist/`);
}

/** 2. What executors.json and generators.json name besides code: schemas and generator file templates. */
function copyAssets() {
  const src = join(pkgDir, 'src');
  let n = 0;
  for (const file of walk(src)) {
    const rel = relative(src, file);
    const asset = rel.endsWith('schema.json') || /(^|\/)generators\/[^/]+\/files\//.test(rel);
    if (!asset || rel.includes('__fixtures__')) continue;
    mkdirSync(dirname(join(pkgDir, 'dist', rel)), { recursive: true });
    cpSync(file, join(pkgDir, 'dist', rel));
    n += 1;
  }
  log(`copied ${n} schemas and templates into dist/`);
}

/**
 * Each module's relative imports (`from .x import`, `from ..quantizers.y import`, `from . import z`) as the wheel's
 * files, so a task that runs a module also hashes the modules it imports (src/graph/plugin-fingerprint.ts).
 */
function relativeImports(pySrc, files) {
  const known = new Set(files);
  const imports = {};
  for (const file of files.filter((f) => f.endsWith('.py'))) {
    const found = new Set();
    const text = readFileSync(join(pySrc, relative('tf2aif_toolchain', file)), 'utf8');
    for (const m of text.matchAll(/^\s*from (\.+)([\w.]*) import \(?([\w, ]+)/gm)) {
      const base = file.split('/').slice(0, -m[1].length);
      const module = m[2] ? [...base, ...m[2].split('.')] : base;
      // `from .pkg import mod` imports pkg/mod.py where that is a module; a name that is not stays pkg's
      const names = [
        '',
        ...m[3]
          .split(',')
          .map((n) => n.trim().split(' ')[0])
          .filter(Boolean),
      ];
      for (const name of names) {
        const path = name ? [...module, name] : module;
        for (const candidate of [`${path.join('/')}.py`, `${path.join('/')}/__init__.py`])
          if (known.has(candidate) && candidate !== file) found.add(candidate);
      }
    }
    if (found.size) imports[file] = [...found].sort();
  }
  return imports;
}

/** 3. The Python toolchain: wheel + locks + manifest, staged and moved into toolchain/ in one rename. */
function buildToolchain() {
  const { ensureUv } = require(join(pkgDir, 'dist', 'toolchain', 'uv'));
  const uv = ensureUv(join(repoRoot, '.tf2aif'), log);
  const staged = join(pkgDir, `.toolchain-${process.pid}`);
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(join(staged, 'serve-requirements'), { recursive: true });
  try {
    execFileSync(uv, ['build', '--quiet', '--wheel', '--out-dir', staged, toolchainSrc], {
      stdio: 'inherit',
      env: { ...process.env, TF2AIF_VERSION: pkg.version },
    });
    const wheel = readdirSync(staged).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`uv build wrote no wheel into ${staged}`);
    rmSync(join(staged, '.gitignore'), { force: true });
    cpSync(join(toolchainSrc, 'requirements.lock'), join(staged, 'requirements.lock'));
    const serveDir = join(toolchainSrc, 'serve-requirements');
    for (const f of readdirSync(serveDir).filter((f) => f.endsWith('.lock'))) cpSync(join(serveDir, f), join(staged, 'serve-requirements', f));
    // the wheel's modules by content, so a task's fingerprint names the modules it runs (src/graph/plugin-fingerprint.ts)
    const pySrc = join(toolchainSrc, 'tf2aif_toolchain');
    const sources = {};
    for (const file of walk(pySrc)) {
      if (file.includes('__pycache__') || file.endsWith('.pyc')) continue;
      sources[`tf2aif_toolchain/${relative(pySrc, file)}`] = sha256(file);
    }
    const manifest = {
      version: pkg.version,
      python: '3.11',
      wheel: { file: wheel, sha256: sha256(join(staged, wheel)) },
      lock: { file: 'requirements.lock', sha256: sha256(join(staged, 'requirements.lock')) },
      sources,
      imports: relativeImports(pySrc, Object.keys(sources)),
    };
    writeFileSync(join(staged, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const target = join(pkgDir, 'toolchain');
    rmSync(target, { recursive: true, force: true });
    renameSync(staged, target);
    log(
      `toolchain/${wheel} (${(statSync(join(target, wheel)).size / 1024).toFixed(0)} KiB) with requirements.lock and ` +
        `${readdirSync(join(target, 'serve-requirements')).length} image locks`,
    );
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

/** A running Nx daemon keeps the plugin it loaded and the graph it made from it: stop it, the next command starts a new one. */
function stopDaemon() {
  try {
    execFileSync(process.execPath, [require.resolve('nx/bin/nx.js', { paths: [repoRoot] }), 'daemon', '--stop'], {
      cwd: repoRoot,
      stdio: 'ignore',
      timeout: 30_000,
    });
  } catch {
    // no daemon, or Nx not installed yet
  }
}

try {
  compile();
  prune();
  copyAssets();
  buildToolchain();
  stopDaemon();
} catch (e) {
  log(`failed: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
