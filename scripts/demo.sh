#!/usr/bin/env bash
# The main job, on this machine: demo hosts running fake vendor products at old versions
# (scripts/demoHosts.ts), then `pulumi preview --diff` and `pulumi up` on stacks/Pulumi.demo.yaml,
# which upgrades them along each vendor's chain, then the installed versions.
#
# usage: npm run demo               set up what is missing, preview and upgrade; run again: no changes
#        npm run demo -- --reset    put the demo hosts back to their old versions and forget the demo
#                                   stack's state, so the next `npm run demo` shows the whole upgrade again
#
# Where things live (each made on first use, so a freshly booted machine needs nothing there):
#   UPCHAIN_HOSTS_RUN   the test hosts' run folder (default /run/upchain-hosts, emptied at every boot)
#   UPCHAIN_DEMO_STATE  the demo stack's Pulumi state (default .pulumi-state in the repository)
set -euo pipefail
reset=
case "${1:-}" in
  "") ;;
  --reset) reset=1 ;;
  *) sed -n '/^# usage:/,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d' >&2; exit 2 ;;
esac
bash "$(dirname "$0")/system-packages.sh"
source "$(dirname "$0")/env.sh"
cd "$repo"
# stacks/Pulumi.demo.yaml names files under /var/cache/upchain (the SSH key, the vendor media)
if [ "${UPCHAIN_CACHE:-/var/cache/upchain}" != /var/cache/upchain ]; then
  echo "the demo stack's files are under /var/cache/upchain: run the demo without UPCHAIN_CACHE" >&2; exit 1
fi
step() { printf '\n== %s\n' "$*"; }
step "npm packages and build"
ensure_node_modules
npm run -s build
bash tests/hosts/testhost.sh base >/dev/null

# The demo's own state, whatever the shell has set: the file backend in the repo (git ignores it), and
# the passphrase the secrets in stacks/Pulumi.demo.yaml are encrypted with.
state=${UPCHAIN_DEMO_STATE:-$repo/.pulumi-state}
export PULUMI_BACKEND_URL="file://$state"
export PULUMI_CONFIG_PASSPHRASE=upchain-demo
unset PULUMI_CONFIG_PASSPHRASE_FILE
# Each server's run record (every step's start and end) lands in the project's .upchain/runs (git
# ignores it), for the picture of the run.
mkdir -p "$state"
# The stack file pins the hosts' keys with the default run folder's known_hosts; hosts run elsewhere
# (UPCHAIN_HOSTS_RUN) are read from a copy of the stack file that names theirs.
hosts_run=${UPCHAIN_HOSTS_RUN:-/run/upchain-hosts}
config=()
if [ "$hosts_run" != /run/upchain-hosts ]; then
  config_file=$(mktemp --suffix=.yaml); trap 'rm -f "$config_file"' EXIT
  sed "s#^\(  upchain:knownHostsFile:\) /run/upchain-hosts/known_hosts\$#\1 $hosts_run/known_hosts#" stacks/Pulumi.demo.yaml > "$config_file"
  grep -q "^  upchain:knownHostsFile: $hosts_run/known_hosts\$" "$config_file" || { echo "demo: stacks/Pulumi.demo.yaml has no upchain:knownHostsFile line to point at $hosts_run" >&2; exit 1; }
  config=(--config-file "$config_file")
fi
stack_exists() { pulumi stack ls --json | node -e 'process.exit(JSON.parse(require("fs").readFileSync(0,"utf8")).some((s)=>s.name==="demo")?0:1)'; }
# The state describes hosts that are gone: remove the stack, keeping its configuration (the stack file).
forget_stack() { if stack_exists; then pulumi stack rm demo --yes --force --preserve-config --non-interactive >/dev/null; fi; }
use_stack() { pulumi stack select demo 2>/dev/null || pulumi stack init demo --secrets-provider passphrase; }

step "demo hosts (tests/hosts/testhost.sh, 10.77.0.201-207)"
hosts=missing
[ -n "$reset" ] || hosts=$(node dist/scripts/demoHosts.js start)
if [ "$hosts" != ready ]; then
  step "installing the old versions (the acceptance tests' fixtures); the demo stack's state is reset"
  forget_stack
  use_stack
  node dist/scripts/demoHosts.js install
  node dist/scripts/demoHosts.js versions
  if [ -n "$reset" ]; then
    echo
    echo "The demo hosts run their old versions again and the stack has no state: npm run demo shows the whole upgrade."
    exit 0
  fi
else
  use_stack
fi

step "pulumi preview --diff (stack demo): each server's chain and steps"
preview=$(mktemp); trap 'rm -f "$preview" ${config_file:+"$config_file"}' EXIT
pulumi preview "${config[@]}" --diff --non-interactive | tee "$preview"

if grep -Eq '[0-9]+ to (create|update|replace|delete)' "$preview"; then
  step "pulumi up (stack demo): progress as the steps run"
  pulumi up "${config[@]}" --yes --skip-preview --non-interactive
  node dist/providers/cli.js report --stack demo --out "$repo/.upchain/demo-run.svg"
  echo "The run as a picture, one bar per step with its duration: .upchain/demo-run.svg"
else
  step "pulumi up --expect-no-changes (stack demo)"
  pulumi up "${config[@]}" --yes --skip-preview --expect-no-changes --non-interactive
  echo
  echo "No changes: every server already runs its target version (npm run demo -- --reset shows the upgrade again)."
fi

step "installed versions"
pulumi stack output --json | node dist/scripts/demoTable.js
echo
node dist/scripts/demoHosts.js versions
