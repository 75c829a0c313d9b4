#!/usr/bin/env bash
# The cache server image's entrypoint: render the config from the mounted tokens, run nginx in the foreground.
set -euo pipefail
export CACHE_TOKENS="${CACHE_TOKENS:-/etc/tf2aif-cache/tokens}" CACHE_DATA="${CACHE_DATA:-/var/cache/tf2aif}"
export CACHE_RUN="${CACHE_RUN:-/tmp/tf2aif-cache}" CACHE_LISTEN="${CACHE_LISTEN:-8080}" CACHE_MAX_BODY="${CACHE_MAX_BODY:-2g}"
export CACHE_DAEMON=off CACHE_LOGS=stdio
bash /opt/tf2aif-cache/render.sh
exec nginx -p "$CACHE_RUN" -c "$CACHE_RUN/nginx.conf"
