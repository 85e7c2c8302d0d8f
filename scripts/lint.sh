#!/usr/bin/env bash
# Lint (typescript-eslint, type-aware) and the format check; .ci/run runs this before the tests.
# Installs the npm packages it needs on a clean clone, as scripts/test.sh does.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo"
ensure_node_modules
node_modules/.bin/eslint --max-warnings 0 .
# the format as .prettierrc.json says (npm run format rewrites it)
node_modules/.bin/prettier --check --log-level warn .
