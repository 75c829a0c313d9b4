#!/usr/bin/env bash
# Installs the managed Python toolchain into .tf2aif/venv from the pinned, hashed lock.
# Idempotent: skips the install when the venv was made from the same lock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lock="$root/packages/toolchain/requirements.lock"
home="$root/.tf2aif"
venv="$home/venv"
stamp="$venv/tf2aif-lock.sha256"
uv_version="0.13.9"
python_version="3.11"

want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  echo "tf2aif: Python toolchain is up to date ($venv)"
  exit 0
fi

python="$(command -v "python$python_version" || true)"
if [ -z "$python" ]; then
  echo "tf2aif: Python $python_version is required for the toolchain (TensorFlow 2.21 wheels); install it (Debian: apt-get install python3.11-venv) and rerun" >&2
  exit 1
fi

mkdir -p "$home"
if [ ! -x "$home/uv/bin/uv" ] || [ "$("$home/uv/bin/uv" --version | cut -d' ' -f2)" != "$uv_version" ]; then
  echo "tf2aif: bootstrapping uv $uv_version"
  rm -rf "$home/uv"
  "$python" -m venv "$home/uv"
  "$home/uv/bin/pip" install --quiet --disable-pip-version-check "uv==$uv_version"
fi

echo "tf2aif: installing the Python toolchain from packages/toolchain/requirements.lock into .tf2aif/venv"
rm -f "$stamp"
[ -x "$venv/bin/python" ] || "$home/uv/bin/uv" venv --quiet --python "$python" "$venv"
# bytecode compiled at install: importing TensorFlow then takes ~3.5 s instead of ~9 s here
"$home/uv/bin/uv" pip sync --python "$venv/bin/python" --require-hashes --compile-bytecode "$lock"
echo "$want" > "$stamp"
echo "tf2aif: Python toolchain ready"
