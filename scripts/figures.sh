#!/usr/bin/env bash
# Measures the README's figures on this machine; each is printed with a peer measured in the same run.
# The demo part resets the demo hosts (npm run demo -- --reset) and upgrades them again.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo"
H=tests/hosts/testhost.sh
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

t0=$(now); bash $H up fig0 >/dev/null; t1=$(now); bash $H down fig0 >/dev/null
one=$(secs "$t0" "$t1")
names=$(for i in $(seq 1 10); do printf 'fig%s ' "$i"; done)
t0=$(now); bash $H up $names >/dev/null; t1=$(now)
ten=$(secs "$t0" "$t1")
t0=$(now); bash $H reset fig1 >/dev/null; t1=$(now)
reset=$(secs "$t0" "$t1")
bash $H down $names >/dev/null
echo "start 10 test hosts: ${ten}s (one host: ${one}s; ratio $(ratio "$ten" "$one")x); reset one: ${reset}s"

# The demo stack's upgrade: the demo hosts back at their old versions with no state (demo.sh --reset),
# then preview, the whole upgrade, and an up with nothing left to do.
bash scripts/demo.sh --reset >/dev/null
export PULUMI_BACKEND_URL="file://$repo/.pulumi-state" PULUMI_CONFIG_PASSPHRASE=upchain-demo
pulumi stack select demo >/dev/null
t0=$(now); pulumi preview --non-interactive >/dev/null; t1=$(now)
preview=$(secs "$t0" "$t1")
t0=$(now); pulumi up --yes --skip-preview --non-interactive >/dev/null; t1=$(now)
up=$(secs "$t0" "$t1")
t0=$(now); pulumi up --yes --skip-preview --expect-no-changes --non-interactive >/dev/null; t1=$(now)
again=$(secs "$t0" "$t1")
echo "pulumi up on the demo stack (every product upgraded): ${up}s (pulumi preview of it: ${preview}s; ratio $(ratio "$up" "$preview")x); up again, no changes: ${again}s"
