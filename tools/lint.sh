#!/usr/bin/env bash
# Lint and format checks: ESLint and Prettier over the TypeScript and JavaScript (eslint.config.mjs, .prettierrc,
# .prettierignore), Ruff over the Python (packages/toolchain/pyproject.toml [tool.ruff]; ruff.toml at the root).
#   bash tools/lint.sh         check, changing nothing (npm run lint): runs every checker, fails if any failed
#   bash tools/lint.sh --fix   rewrite (npm run format): each linter's safe fixes first, then the formatter's layout
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
ruff=.tf2aif/dev-venv/bin/ruff
[ -x "$ruff" ] || { echo "tf2aif: $ruff is missing: run \`npm run setup\` first (it installs the Python dev tools)" >&2; exit 1; }

# where the TypeScript and JavaScript live (a Prettier run over `.` walks the gigabytes under dist/ and .tf2aif/ before
# dropping them as git-ignored); .prettierignore still decides what inside them is formatted
prettier_paths=(plugins e2e tools '*.{js,mjs,cjs,ts,mts,cts}')
failed=()
step() {
  local name="$1"
  shift
  echo "== $name"
  "$@" || failed+=("$name")
}

if [ "${1:-}" = "--fix" ]; then
  step "eslint --fix" npx eslint --fix .
  step "prettier --write" npx prettier --write --log-level warn "${prettier_paths[@]}"
  step "ruff check --fix" "$ruff" check --fix .
  step "ruff format" "$ruff" format .
else
  step "eslint" npx eslint --max-warnings 0 .
  step "prettier --check" npx prettier --check "${prettier_paths[@]}"
  step "ruff check" "$ruff" check .
  step "ruff format --check" "$ruff" format --check .
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "tf2aif: failed: ${failed[*]}" >&2
  exit 1
fi
