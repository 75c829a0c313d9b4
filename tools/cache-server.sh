#!/usr/bin/env bash
# A self-hosted Nx remote cache on stock nginx (Debian: apt-get install nginx-light), run as an ordinary
# process with its own prefix, port, data folder and tokens:
#   bash tools/cache-server.sh start    # prints the NX_SELF_HOSTED_REMOTE_CACHE_SERVER URL
#   bash tools/cache-server.sh status   # the URL and the entries' disk use, or "stopped" (exit 3)
#   bash tools/cache-server.sh stop
# Settings (environment):
#   TF2AIF_CACHE_SERVER_DIR     its folder: data/ (the entries), run/ (config, logs, pid)   .tf2aif/cache-server
#   TF2AIF_CACHE_SERVER_PORT    the TCP port on 127.0.0.1 (TF2AIF_CACHE_SERVER_LISTEN: any nginx `listen`)   8090
#   TF2AIF_CACHE_SERVER_TOKENS  the tokens file ('read-write <token>' / 'read-only <token>' lines); a missing
#                               file is created with one random token of each role   <dir>/tokens
#   TF2AIF_CACHE_SERVER_MAX_BODY  the largest archive accepted (413 above)   2g
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${TF2AIF_CACHE_SERVER_DIR:-$root/.tf2aif/cache-server}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
port="${TF2AIF_CACHE_SERVER_PORT:-8090}"
listen="${TF2AIF_CACHE_SERVER_LISTEN:-127.0.0.1:$port}"
tokens="${TF2AIF_CACHE_SERVER_TOKENS:-$dir/tokens}"
max_body="${TF2AIF_CACHE_SERVER_MAX_BODY:-2g}"
run="$dir/run" data="$dir/data"
url="http://$listen"

running() { [ -f "$run/nginx.pid" ] && kill -0 "$(cat "$run/nginx.pid")" 2>/dev/null; }

case "${1:-}" in
  start)
    if running; then echo "$url"; exit 0; fi
    command -v nginx >/dev/null || { echo "tf2aif cache-server: nginx is not installed (Debian: apt-get install nginx-light)" >&2; exit 1; }
    if [ ! -f "$tokens" ]; then
      umask 077
      printf 'read-write %s\nread-only %s\n' "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')" \
        "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')" >"$tokens"
      echo "tf2aif cache-server: wrote new tokens to $tokens" >&2
    fi
    CACHE_TOKENS="$tokens" CACHE_DATA="$data" CACHE_RUN="$run" CACHE_LISTEN="$listen" CACHE_MAX_BODY="$max_body" \
      CACHE_DAEMON=on CACHE_LOGS="$run" bash "$root/tools/cache-server/render.sh"
    nginx -p "$run" -c "$run/nginx.conf" -t -q 2>"$run/config-test.log" || { cat "$run/config-test.log" >&2; exit 1; }
    nginx -p "$run" -c "$run/nginx.conf"
    for _ in $(seq 1 50); do running && { echo "$url"; exit 0; }; sleep 0.1; done
    echo "tf2aif cache-server: nginx did not start; see $run/error.log" >&2
    exit 1
    ;;
  status)
    if running; then echo "$url running (pid $(cat "$run/nginx.pid")), entries $(du -sh "$data/v1/cache" | cut -f1)"; exit 0; fi
    echo "stopped"; exit 3
    ;;
  stop)
    if running; then
      pid="$(cat "$run/nginx.pid")"
      nginx -p "$run" -c "$run/nginx.conf" -s quit 2>/dev/null
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start|status|stop" >&2
    exit 2
    ;;
esac
