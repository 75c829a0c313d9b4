#!/usr/bin/env node
// Prints one content hash over the given files or folders (paths relative to the cwd).
// Used as an Nx runtime input for files git ignores (model weights, datasets), which Nx does not hash.
// --only=a.json,b.json keeps only files of those names (profiles among gigabytes of artifacts).
'use strict';
const { createHash } = require('crypto');
const { readdirSync, statSync, readFileSync, existsSync } = require('fs');
const { basename, join, relative } = require('path');

const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : null;

function walk(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) walk(join(path, name), out);
  } else if (st.isFile() && (!only || only.has(basename(path)))) {
    out.push(path);
  }
}

const hash = createHash('sha256');
if (only) hash.update(`only:${[...only].sort().join(',')}\n`);
for (const root of args.filter((a) => a !== onlyArg)) {
  hash.update(`root:${root}\n`);
  if (!existsSync(root)) {
    hash.update('missing\n');
    continue;
  }
  const files = [];
  walk(root, files);
  for (const file of files) {
    hash.update(`file:${relative(root, file)}\n`);
    hash.update(readFileSync(file));
  }
}
process.stdout.write(hash.digest('hex') + '\n');
