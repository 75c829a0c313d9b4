#!/usr/bin/env bash
# The main job on the bundled models: install everything; build, convert, quantize and verify every
# variant; benchmark the ones this machine can run (the others record why not); write the report; print
# a table of what was produced and the measured goals.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tools/setup.sh || exit 1
export NX_DAEMON="${NX_DAEMON:-false}"

parallel="${TF2AIF_PARALLEL:-$(bash tools/parallelism.sh)}"
echo "tf2aif: building and verifying every variant (parallel $parallel)"
npx nx run-many -t verify --parallel="$parallel" --output-style=static
status=$?

echo "tf2aif: benchmarking, one variant at a time (variants whose hardware is absent record why)"
npx nx run-many -t bench --output-style=static || status=1
echo "tf2aif: planning a deployment on the sample fleet (plan/fleet.json) from the measured profiles"
npx nx run tf2aif:plan --output-style=static || status=1
npx nx run tf2aif:report --output-style=static || status=1

echo
node -r @swc-node/register plugins/nx/scripts/summary.ts
echo
echo "Report: dist/report/report.html (open it in a browser), report.md, report.json; plan: dist/plan/plan.md"
if [ "$status" -ne 0 ]; then
  echo "tf2aif: some tasks failed; the messages above say why (npx nx run <variant>:<target> reruns one)."
fi
exit "$status"
