#!/usr/bin/env bash
# Lets an x86-64 Docker engine build and run linux/arm64 images (the arm, agx, versal, zynq variants):
# qemu-user-static's aarch64 handler, registered with binfmt_misc ("F": usable inside containers).
set -euo pipefail
if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  echo "tf2aif: arm64 emulation already registered"
  exit 0
fi
if ! command -v update-binfmts >/dev/null || [ ! -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] && [ ! -e /usr/bin/qemu-aarch64-static ]; then
  echo "tf2aif: arm64 emulation needs qemu-user-static and binfmt-support (Debian: apt-get install qemu-user-static binfmt-support)" >&2
  exit 1
fi
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { echo "tf2aif: registering qemu-aarch64 with binfmt_misc failed" >&2; exit 1; }
echo "tf2aif: arm64 emulation registered"
