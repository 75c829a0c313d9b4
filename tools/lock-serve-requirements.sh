#!/usr/bin/env bash
# Pins (with hashes) what each variant image installs: one lock per requirement set and image arch.
# Sets are packages/toolchain/serve-requirements/<set>.in; a platform descriptor names its set.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
uv="$root/.tf2aif/uv/bin/uv"
cd "$root/packages/toolchain/serve-requirements"
for in_file in *.in; do
  set_name="${in_file%.in}"
  # amd64: manylinux 2.28 (widest reach); arm64: 2.35, the oldest glibc OpenVINO's aarch64 wheels take
  for target in amd64:x86_64-manylinux_2_28 arm64:aarch64-manylinux_2_35; do
    arch="${target%%:*}"
    if "$uv" pip compile "$in_file" --python-version 3.11 --python-platform "${target#*:}" \
      --generate-hashes --quiet -o "$set_name-$arch.lock" 2>/dev/null; then
      echo "locked $set_name-$arch.lock"
    else
      rm -f "$set_name-$arch.lock"
      echo "no $set_name-$arch.lock: $set_name does not resolve for $arch"
    fi
  done
done
