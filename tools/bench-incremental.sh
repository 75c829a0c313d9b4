#!/usr/bin/env bash
# Incrementality and parallelism, measured, in a scratch copy of this workspace (never in this one):
# cold run, warm rerun, `nx affected` after a config edit and after a toolchain edit, and cold runs at
# other parallelism levels. Options: see `bash tools/bench-incremental.sh --help`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -x .tf2aif/venv/bin/python ] || [ ! -d node_modules/nx ]; then
  echo "tf2aif: run \`npm run setup\` first" >&2
  exit 1
fi
exec node -r @swc-node/register tools/bench-incremental.ts "$@"
