#!/usr/bin/env bash
# A Docker engine of tf2aif's own (its own data root and socket), for tests and air-gapped machines:
#   bash tools/docker-engine.sh start   # prints the DOCKER_HOST to use
#   bash tools/docker-engine.sh stop
# Builds use host networking (see REFERENCE.md: no registry is reachable, package mirrors are).
set -euo pipefail
state="${TF2AIF_DOCKER_STATE:-/run/tf2aif-docker}"
data="${TF2AIF_DOCKER_DATA:-/var/lib/tf2aif-docker}"
sock="$state/docker.sock"
pidfile="$state/dockerd.pid"
export DOCKER_HOST="unix://$sock"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-}" in
  start)
    if running; then echo "$DOCKER_HOST"; exit 0; fi
    if ! command -v dockerd >/dev/null; then
      echo "tf2aif: dockerd is not installed (Debian: apt-get install docker.io)" >&2
      exit 1
    fi
    mkdir -p "$state" "$data"
    nohup dockerd --data-root "$data" --exec-root "$state/exec" --pidfile "$pidfile" \
      --host "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      if docker version >/dev/null 2>&1; then echo "$DOCKER_HOST"; exit 0; fi
      sleep 1
    done
    echo "tf2aif: dockerd did not start; see $state/dockerd.log" >&2
    tail -n 20 "$state/dockerd.log" >&2 || true
    exit 1
    ;;
  stop)
    if running; then
      kill "$(cat "$pidfile")"
      for _ in $(seq 1 30); do running || exit 0; sleep 1; done
      kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
