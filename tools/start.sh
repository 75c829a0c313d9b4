#!/usr/bin/env bash
# The main job on the bundled models: install everything, then build, convert, quantize and verify
# every variant, and print a table of what was produced.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tools/setup.sh || exit 1

parallel="${TF2AIF_PARALLEL:-$(bash tools/parallelism.sh)}"
echo "tf2aif: building and verifying every variant (parallel $parallel)"
NX_DAEMON="${NX_DAEMON:-false}" npx nx run-many -t verify --parallel="$parallel" --output-style=static
status=$?
echo
node -r @swc-node/register plugins/nx/scripts/summary.ts
if [ "$status" -ne 0 ]; then
  echo
  echo "tf2aif: some variants failed; the messages above say why (npx nx run <variant>:verify reruns one)."
fi
exit "$status"
