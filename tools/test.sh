#!/usr/bin/env bash
# The whole test suite: type check, unit and e2e tests (vitest), Python toolchain tests (pytest).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -x .tf2aif/venv/bin/python ]; then
  echo "tf2aif: the Python toolchain is not installed; run \`npm run setup\` first" >&2
  exit 1
fi
echo "== type check"
npx tsc -p plugins/nx/tsconfig.json
npx tsc -p tsconfig.e2e.json
echo "== Python toolchain tests"
PYTHONPATH=packages/toolchain TF_ENABLE_ONEDNN_OPTS=0 .tf2aif/venv/bin/python -m pytest -q packages/toolchain/tests
echo "== plugin unit tests and e2e tests"
NX_DAEMON=false npx vitest run "$@"
