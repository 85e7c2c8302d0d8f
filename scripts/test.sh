#!/usr/bin/env bash
# The whole test suite: unit tests, then acceptance tests through the real pulumi CLI on real test
# hosts. Installs what it needs (Node 22, the engine, npm packages, the host base) on first use.
set -euo pipefail
bash "$(dirname "$0")/system-packages.sh"
source "$(dirname "$0")/env.sh"
cd "$repo"
ensure_node_modules
npm run -s build
bash tests/hosts/testhost.sh base >/dev/null
node_modules/.bin/mocha --reporter tests/support/summary-reporter.js --timeout 600000 \
  'dist/tests/unit/**/*.test.js' 'dist/tests/acceptance/**/*.test.js' "$@"
