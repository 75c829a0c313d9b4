#!/usr/bin/env bash
# Installs everything tf2aif needs: npm packages (exact versions from package-lock.json) and the
# managed Python toolchain (.tf2aif/venv from packages/toolchain/requirements.lock).
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
bash tools/setup-python.sh
