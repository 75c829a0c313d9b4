#!/usr/bin/env bash
# Incrementality and parallelism, measured, in a scratch copy of this workspace (never in this one):
# cold run, warm rerun, `nx affected` after a config edit and after a toolchain edit, and cold runs at
# other parallelism levels. Options: see `bash tools/bench-incremental.sh --help`.
exec bash "$(dirname "$0")/run-ts.sh" tools/bench-incremental.ts "$@"
