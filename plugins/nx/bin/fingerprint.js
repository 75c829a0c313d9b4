#!/usr/bin/env node
// Prints one line naming this package's version and a content hash of the parts of it a task runs: an Nx runtime
// input of every tf2aif target. An installed plugin is an external dependency: the task hashes what it ships
// (the compiled executor, the toolchain modules inside the wheel, a platform descriptor), never the workspace's
// view of the plugin's folder, which may sit in node_modules or outside the workspace.
//   node <package>/bin/fingerprint.js 'dist/executors/convert/**' 'py:tf2aif_toolchain/converters/tflite.py' ...
// A pattern is a path in the package ('*' within a folder, '**' across folders); 'py:' patterns name modules of the
// toolchain wheel, hashed when the package was built (toolchain/manifest.json), as the wheel holds them zipped.
'use strict';
const { createHash } = require('crypto');
const { existsSync, readdirSync, readFileSync, statSync } = require('fs');
const { join, relative } = require('path');

const pkgDir = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

function toRegExp(pattern) {
  const body = pattern
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(relative(pkgDir, path).split('\\').join('/'));
  }
  return out;
}

const patterns = process.argv.slice(2);
const manifestFile = join(pkgDir, 'toolchain', 'manifest.json');
const sources = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')).sources : {};
const hash = createHash('sha256');
for (const pattern of patterns) {
  hash.update(`pattern:${pattern}\n`);
  if (pattern.startsWith('py:')) {
    const re = toRegExp(pattern.slice(3));
    for (const file of Object.keys(sources).filter((f) => re.test(f)).sort()) hash.update(`${file}:${sources[file]}\n`);
    continue;
  }
  // walk only below the pattern's fixed leading folders
  const fixed = pattern.split('/').filter((_, i, parts) => !parts.slice(0, i + 1).some((p) => p.includes('*')));
  const base = fixed.length === pattern.split('/').length ? fixed.slice(0, -1).join('/') : fixed.join('/');
  const re = toRegExp(pattern);
  for (const file of walk(join(pkgDir, base), []).filter((f) => re.test(f))) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(pkgDir, file)));
  }
}
process.stdout.write(`${pkg.name}@${pkg.version} ${hash.digest('hex')}\n`);
