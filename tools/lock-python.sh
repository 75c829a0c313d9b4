#!/usr/bin/env bash
# Re-resolves packages/toolchain/requirements.in into the pinned, hashed requirements.lock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x "$root/.tf2aif/uv/bin/uv" ] || { echo "tf2aif: run \`npm run setup\` first (it bootstraps uv)" >&2; exit 1; }
cd "$root/packages/toolchain"
"$root/.tf2aif/uv/bin/uv" pip compile requirements.in --python-version 3.11 \
  --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock
