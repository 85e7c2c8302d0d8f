#!/usr/bin/env bash
# The main job on the embedded default: start the demo hosts, then `pulumi preview` and
# `pulumi up` on stacks/Pulumi.demo.yaml. Safe to run again: the second `up` changes nothing.
set -euo pipefail
bash "$(dirname "$0")/system-packages.sh"
source "$(dirname "$0")/env.sh"
cd "$repo"
step() { printf '\n== %s\n' "$*"; }
step "npm packages and build"
ensure_node_modules
npm run -s build
step "demo hosts (tests/hosts/testhost.sh)"
bash tests/hosts/testhost.sh up demo1:21 demo2:22 demo3:23
for h in demo1 demo2 demo3; do bash tests/hosts/testhost.sh info "$h"; done
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$repo/.pulumi-state}
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-upchain-demo}
mkdir -p "$repo/.pulumi-state"
pulumi stack select demo 2>/dev/null || pulumi stack init demo --secrets-provider passphrase
step "pulumi preview --diff (stack demo)"
pulumi preview --diff --non-interactive
step "pulumi up (stack demo)"
pulumi up --yes --skip-preview --non-interactive
step "stack outputs"
pulumi stack output --json
