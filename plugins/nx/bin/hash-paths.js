#!/usr/bin/env node
// Prints one content hash over the given files or folders (paths relative to the cwd).
// Used as an Nx runtime input for files git ignores (model weights, datasets), which Nx does not hash.
'use strict';
const { createHash } = require('crypto');
const { readdirSync, statSync, readFileSync, existsSync } = require('fs');
const { join, relative } = require('path');

function walk(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) walk(join(path, name), out);
  } else if (st.isFile()) {
    out.push(path);
  }
}

const hash = createHash('sha256');
for (const root of process.argv.slice(2)) {
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
