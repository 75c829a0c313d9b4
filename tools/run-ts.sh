#!/usr/bin/env bash
# Runs one of the tools/*.ts scripts with the workspace's TypeScript loader, once setup has run:
#   bash tools/run-ts.sh tools/<script>.ts [args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -x .tf2aif/venv/bin/python ] || [ ! -d node_modules/nx ]; then
  echo "tf2aif: run \`npm run setup\` first" >&2
  exit 1
fi
exec node -r @swc-node/register "$@"
