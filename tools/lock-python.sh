#!/usr/bin/env bash
# Re-resolves packages/toolchain/requirements.in into the pinned, hashed requirements.lock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/tools/setup-python.sh" >/dev/null || true
cd "$root/packages/toolchain"
"$root/.tf2aif/uv/bin/uv" pip compile requirements.in --python-version 3.11 \
  --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock
