# The system packages the tests need, for tools/test.sh (`npm test`), which SOURCES this file:
#   source tools/test-prerequisites.sh
# As root with apt-get, it installs what is missing (docker.io, debootstrap, chromium, nginx-light,
# qemu-user-static, binfmt-support), starts tf2aif's own Docker engine (tools/docker-engine.sh) and
# exports DOCKER_HOST, stops that engine when the caller exits (an EXIT trap, chained to any trap the
# caller already has), bootstraps the amd64 and arm64 base images and registers arm64 emulation (about
# 6 minutes the first time, then seconds). An engine already running, or a DOCKER_HOST the caller set,
# is used as it is and left running. Whatever it cannot provide (not root, no apt-get, apt or dockerd
# failing) it reports in one line each, and the tests that need it skip; it never fails the caller.
#
# What it exports (read by e2e/support/system-packages.ts, which also probes by itself when it is unset):
#   TF2AIF_TEST_MISSING   comma-separated capabilities that are missing, from: docker, base-amd64,
#                         arm64-emulation, base-arm64, chromium, nginx ("" when all are present)
#   TF2AIF_TEST_PREREQS   "checked": this script ran in this process tree
#   DOCKER_HOST           the engine the tests use, when this script started tf2aif's engine or found it running
# Switches: TF2AIF_TEST_NO_INSTALL=1 only probes (no apt-get, no engine start, no bootstrap), as on a
# machine where the caller is not root.

__tf2aif_test_prerequisites() {
  local root log no_install=0 missing=() pkgs=() started_engine=0 user_host="${DOCKER_HOST:-}"
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  log="${TMPDIR:-/tmp}/tf2aif-test-prerequisites.log"
  : 2>/dev/null >"$log" || log=/dev/null
  if [ "${TF2AIF_TEST_NO_INSTALL:-}" = 1 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    no_install=1
  fi
  say() { echo "tf2aif test: $*" >&2; }
  has() { command -v "$1" >/dev/null 2>&1; }
  local chromium_bin="${TF2AIF_CHROMIUM:-/usr/bin/chromium}"

  # 1. Debian packages
  has dockerd || pkgs+=(docker.io)
  has debootstrap || pkgs+=(debootstrap)
  [ -x "$chromium_bin" ] || pkgs+=(chromium)
  has nginx || pkgs+=(nginx-light)
  has update-binfmts || pkgs+=(binfmt-support)
  { has qemu-aarch64-static || [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ]; } || pkgs+=(qemu-user-static)
  if [ ${#pkgs[@]} -gt 0 ] && [ "$no_install" = 0 ]; then
    say "installing ${pkgs[*]} (apt-get, log in $log)"
    if apt-get update -q >>"$log" 2>&1; then
      if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1; then
        # one at a time, so one package the mirror lacks does not cost the others
        local p
        for p in "${pkgs[@]}"; do
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >>"$log" 2>&1 ||
            say "apt-get install $p failed (see $log)"
        done
      fi
    else
      say "apt-get update failed (see $log)"
    fi
  fi

  # 2. A Docker engine: the caller's DOCKER_HOST, one already running, or tf2aif's own (started here)
  engine_up() {
    local id
    id="$(node "$root/plugins/nx/bin/docker-engine-id.js" 2>/dev/null)" && [ -n "$id" ] && [ "$id" != no-engine ]
  }
  if [ -z "${DOCKER_HOST:-}" ] && ! engine_up; then
    local own state="${TF2AIF_DOCKER_STATE:-/run/tf2aif-docker}"
    if [ -f "$state/dockerd.pid" ] && kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null; then
      export DOCKER_HOST="unix://$state/docker.sock" # tf2aif's engine, already running: left running
    elif [ "$no_install" = 0 ] && has dockerd; then
      say "starting tf2aif's Docker engine (tools/docker-engine.sh)"
      if own="$(bash "$root/tools/docker-engine.sh" start 2>>"$log")"; then
        export DOCKER_HOST="$own"
        started_engine=1
      else
        say "dockerd did not start (see $log)"
      fi
    fi
  fi
  if [ "$started_engine" = 1 ]; then
    # stop the engine this script started when the caller exits, after whatever EXIT trap it has
    local previous
    previous="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//" -e "s/'\\\\''/'/g")"
    # shellcheck disable=SC2064
    trap "${previous:+$previous; }bash '$root/tools/docker-engine.sh' stop >/dev/null 2>&1 || true" EXIT
  fi
  if ! engine_up; then
    if [ -n "$user_host" ]; then
      missing+=(docker)
      say "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST: the Docker image tests are skipped (start it, or unset DOCKER_HOST)"
    elif has dockerd; then
      missing+=(docker)
      say "no Docker engine answers at ${DOCKER_HOST:-the default socket}: the Docker image tests are skipped (as root: bash tools/docker-engine.sh start)"
    else
      missing+=(docker)
      say "dockerd not found: the Docker image tests are skipped (apt-get install docker.io)"
    fi
  fi

  # 3. arm64 emulation (qemu's aarch64 handler in binfmt_misc)
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && [ "$no_install" = 0 ]; then
    bash "$root/tools/register-arm64-emulation.sh" >>"$log" 2>&1 || true
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    missing+=(arm64-emulation)
    if has update-binfmts && { has qemu-aarch64-static || [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ]; }; then
      say "arm64 emulation not registered: the arm64 image tests are skipped (as root: bash tools/register-arm64-emulation.sh)"
    else
      say "qemu-user-static not found: the arm64 image tests are skipped (apt-get install qemu-user-static binfmt-support)"
    fi
  fi

  # 4. The offline base images (debootstrap, then docker import into the engine), arm64 only with emulation
  local arch
  for arch in amd64 arm64; do
    [[ " ${missing[*]} " == *" docker "* ]] && { missing+=("base-$arch"); continue; }
    [ "$arch" = arm64 ] && [[ " ${missing[*]} " == *" arm64-emulation "* ]] && { missing+=("base-$arch"); continue; }
    docker image inspect "tf2aif/base:bookworm-py311-$arch" >/dev/null 2>&1 && continue
    if ! has debootstrap; then
      missing+=("base-$arch")
      say "debootstrap not found: the $arch image tests are skipped (apt-get install debootstrap)"
      continue
    fi
    [ "$no_install" = 1 ] && continue # the test bootstraps it (tools/bootstrap-base-image.sh)
    if [ "$arch" = arm64 ]; then
      say "bootstrapping the arm64 base image (under emulation: about 6 minutes, once)"
    else
      say "bootstrapping the amd64 base image (about a minute, once)"
    fi
    if ! bash "$root/tools/bootstrap-base-image.sh" "$arch" >>"$log" 2>&1; then
      missing+=("base-$arch")
      say "bootstrapping the $arch base image failed (see $log): the $arch image tests are skipped"
    fi
  done

  # 5. Chromium (the report page test) and nginx (the remote cache of the sharded-pipeline test)
  if [ ! -x "$chromium_bin" ]; then
    missing+=(chromium)
    say "chromium not found at $chromium_bin: the report page test is skipped (apt-get install chromium)"
  fi
  if ! has nginx; then
    missing+=(nginx)
    say "nginx not found: the sharded-pipeline tests are skipped (apt-get install nginx-light)"
  fi

  local IFS=,
  export TF2AIF_TEST_MISSING="${missing[*]}"
  export TF2AIF_TEST_PREREQS=checked
  unset -f say has engine_up
}
__tf2aif_test_prerequisites || true
unset -f __tf2aif_test_prerequisites
