#!/usr/bin/env bash
# Makes a local base image offline-style (no registry needed): debootstrap a minimal Debian bookworm
# with Python 3.11, then `docker import` it. For air-gapped machines and our tests; real deployments
# can use the upstream bases named in the platform descriptors.
#   bash tools/bootstrap-base-image.sh [amd64|arm64]   -> tf2aif/base:bookworm-py311-<arch>
set -euo pipefail
arch="${1:-amd64}"
tag="tf2aif/base:bookworm-py311-$arch"
mirror="${TF2AIF_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
for tool in debootstrap docker; do
  command -v "$tool" >/dev/null || { echo "tf2aif: $tool is required (Debian: apt-get install $tool)" >&2; exit 1; }
done
if [ "$arch" != "amd64" ] && [ ! -e "/proc/sys/fs/binfmt_misc/qemu-aarch64" ]; then
  echo "tf2aif: building an $arch base needs qemu-user-static with its binfmt handler registered" >&2
  exit 1
fi

rootfs="$(mktemp -d /tmp/tf2aif-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "tf2aif: debootstrap bookworm ($arch) into $rootfs (about a minute)" >&2
debootstrap --arch="$arch" --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -n 20 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
# Trust the host's extra CA certificates (e.g. a TLS-intercepting egress proxy), so pip inside image
# builds reaches the package index the way the host does. TF2AIF_EXTRA_CA_CERTS names another folder.
extra_certs="${TF2AIF_EXTRA_CA_CERTS:-/usr/local/share/ca-certificates}"
if compgen -G "$extra_certs/*.crt" >/dev/null; then
  cp "$extra_certs"/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
  echo "tf2aif: the base trusts $(ls "$extra_certs"/*.crt | wc -l) extra CA certificate(s) from $extra_certs" >&2
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "$tag"
