#!/usr/bin/env bash
# The whole test suite: lint, type check, unit and e2e tests (vitest), Python toolchain tests (pytest). It installs what
# it needs first (npm packages, the plugin build, the managed Python toolchain; as root, the Debian packages and a
# Docker engine), so a fresh clone and CI take this one path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# the Debian packages and Docker engine some tests need: installed as root, else those tests skip
source tools/test-prerequisites.sh
bash tools/setup.sh
echo "== lint (ESLint, Prettier, Ruff: npm run lint; npm run format fixes what it can)"
bash tools/lint.sh
echo "== type check"
npx tsc -p plugins/nx/tsconfig.json
npx tsc -p tsconfig.e2e.json
echo "== Python toolchain tests"
# against the installed wheel (what ships), not the source folder
TF_ENABLE_ONEDNN_OPTS=0 .tf2aif/venv/bin/python -m pytest -q -p no:cacheprovider packages/toolchain/tests
echo "== plugin unit tests and e2e tests"
NX_DAEMON=false npx vitest run "$@"
