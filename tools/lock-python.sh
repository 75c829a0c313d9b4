#!/usr/bin/env bash
# Re-resolves packages/toolchain/requirements.in into the pinned, hashed requirements.lock (the toolchain), and
# requirements-dev.in into requirements-dev.lock (the repository's Python dev tools: Ruff).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x "$root/.tf2aif/uv/bin/uv" ] || { echo "tf2aif: run \`npm run setup\` first (it bootstraps uv)" >&2; exit 1; }
cd "$root/packages/toolchain"
for name in requirements requirements-dev; do
  "$root/.tf2aif/uv/bin/uv" pip compile "$name.in" --python-version 3.11 \
    --python-platform x86_64-manylinux_2_28 --generate-hashes -o "$name.lock"
done
