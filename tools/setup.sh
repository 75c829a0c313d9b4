#!/usr/bin/env bash
# Installs everything this repository needs: npm packages (exact versions from package-lock.json), the plugin
# package built as it ships (plugins/nx: dist/ and the Python toolchain wheel), and the managed Python toolchain
# (.tf2aif/venv), installed the way a user's workspace gets it: by the plugin's own init generator.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "tf2aif: Node.js 20.19 or newer is required (found $(node --version))" >&2
  exit 1
fi

if [ ! -d node_modules/nx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tf2aif: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "tf2aif: building the plugin package (plugins/nx/dist and the toolchain wheel)"
node plugins/nx/scripts/build.js
NX_DAEMON=false npx nx g @tf2aif/nx:init --no-interactive
# The repository's Python dev tools (Ruff, for `npm run lint`) in their own venv: .tf2aif/venv holds exactly the
# shipped toolchain lock (the plugin's `uv pip sync` removes anything else whenever it reinstalls the toolchain).
uv="${TF2AIF_UV:-.tf2aif/uv/bin/uv}"
[ -x .tf2aif/dev-venv/bin/python ] || "$uv" venv --quiet --python .tf2aif/venv/bin/python .tf2aif/dev-venv
"$uv" pip sync --quiet --python .tf2aif/dev-venv/bin/python --require-hashes packages/toolchain/requirements-dev.lock
