#!/usr/bin/env bash
# The sharded CI pipeline on this machine: a real nginx remote cache and three fresh clones (A: x86 shard,
# B: accelerator shard, C: read-only). Options: see `bash tools/sharded-pipeline.sh --help`.
command -v nginx >/dev/null || { echo "tf2aif: nginx is not installed (Debian: apt-get install nginx-light)" >&2; exit 1; }
exec bash "$(dirname "$0")/run-ts.sh" tools/sharded-pipeline.ts "$@"
