#!/usr/bin/env bash
# Measures the README's figures on this machine; each is printed with a peer measured in the same run.
# Needs the demo set up once (npm run demo).
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

export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$repo/.pulumi-state}
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-upchain-demo}
bash $H up demo1:21 demo2:22 demo3:23 >/dev/null
pulumi stack select demo >/dev/null
pulumi destroy --yes --non-interactive >/dev/null
t0=$(now); pulumi preview --non-interactive >/dev/null; t1=$(now)
preview=$(secs "$t0" "$t1")
t0=$(now); pulumi up --yes --skip-preview --non-interactive >/dev/null; t1=$(now)
up=$(secs "$t0" "$t1")
t0=$(now); pulumi up --yes --skip-preview --non-interactive >/dev/null; t1=$(now)
again=$(secs "$t0" "$t1")
echo "pulumi up on the demo stack (3 hosts created): ${up}s (pulumi preview of it: ${preview}s; ratio $(ratio "$up" "$preview")x); up again, no changes: ${again}s"
