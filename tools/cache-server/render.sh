#!/usr/bin/env bash
# Renders the remote cache's nginx config (nginx.conf.template beside this file) and its token map, from
# the environment (tools/cache-server.sh and the image's entrypoint set these):
#   CACHE_TOKENS    the tokens file: one `read-write <token>` or `read-only <token>` per line (# comments); a
#                   token is 16 or more of [A-Za-z0-9._~+/=-], so it sits in nginx's config as it is
#   CACHE_DATA      the entries' folder            CACHE_RUN   config, pid, sockets, temp files (and logs)
#   CACHE_LISTEN    nginx `listen` value            CACHE_MAX_BODY  the largest archive accepted (413 above)
#   CACHE_DAEMON    on | off                        CACHE_LOGS  a folder, or `stdio` (stdout and stderr)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tokens="$CACHE_TOKENS" data="$CACHE_DATA" run="$CACHE_RUN"

fail() { echo "tf2aif cache-server: $*" >&2; exit 1; }
[ -f "$tokens" ] || fail "no tokens file at $tokens (lines: 'read-write <token>' or 'read-only <token>')"
mkdir -p "$run" "$data/.incoming" "$data/v1/cache"

map="$run/tokens.map.tmp"
{
  echo 'map $http_authorization $cache_role {'
  echo '    default "";'
  n=0
  lineno=0
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line="${line%%#*}"
    role="" token="" rest=""
    read -r role token rest <<<"$line" || true
    [ -z "$role" ] && continue
    case "$role" in read-write|read-only) ;; *) fail "$tokens:$lineno: role '$role' is neither read-write nor read-only" ;; esac
    [ -z "$rest" ] || fail "$tokens:$lineno: one role and one token per line"
    [[ "$token" =~ ^[A-Za-z0-9._~+/=-]{16,}$ ]] || fail "$tokens:$lineno: a token is 16 or more of A-Z a-z 0-9 . _ ~ + / = -"
    echo "    \"Bearer $token\" $role;"
    n=$((n + 1))
  done <"$tokens"
  echo '}'
  [ "$n" -gt 0 ] || fail "$tokens holds no token"
} >"$map"
mv "$map" "$run/tokens.map"

if [ "${CACHE_LOGS:-$run}" = stdio ]; then
  error_log=/dev/stderr access_log=/dev/stdout
else
  error_log="${CACHE_LOGS:-$run}/error.log" access_log="${CACHE_LOGS:-$run}/access.log"
fi
# nginx drops its workers to `user` only when started as root; name the caller so they can write the data
user_line=""
[ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
sed -e "s|@RUN@|$run|g" -e "s|@DATA@|$data|g" -e "s|@LISTEN@|$CACHE_LISTEN|g" -e "s|@MAX_BODY@|$CACHE_MAX_BODY|g" \
  -e "s|@DAEMON@|$CACHE_DAEMON|g" -e "s|@USER@|$user_line|g" -e "s|@ERROR_LOG@|$error_log|g" -e "s|@ACCESS_LOG@|$access_log|g" \
  "$here/nginx.conf.template" >"$run/nginx.conf.tmp"
mv "$run/nginx.conf.tmp" "$run/nginx.conf"
