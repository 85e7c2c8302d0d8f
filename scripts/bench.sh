#!/usr/bin/env bash
# npm run bench: the fleet benchmark (bench/run.ts), then what Pulumi's checkpoints cost a fleet of
# 500 (bench/checkpoints.ts; not with --quick, nor with --no-checkpoints); a full run into bench/results/
# rewrites the figures block of README.md and docs/benchmark.md (bench/readmeFigures.ts). Other arguments go to run.ts:
#   npm run bench -- --sizes 1,5,20 --reps 3 --preview 20,100,500 --upchain-only 100
# It needs root (the test hosts are network namespaces and overlay mounts), checked first so the bench
# fails before it starts any host, and ansible-playbook (two of the contenders), installed if missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "bench: run it as root: it starts real test hosts (network namespaces, overlay mounts)" >&2; exit 1
fi
# A clean machine can run the bench: what it needs beyond the test suite's packages is installed here
# (the suite's CI run does not need Ansible, so scripts/system-packages.sh leaves it out).
bash "$repo/scripts/system-packages.sh"
if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "bench: installing ansible-core (the two Ansible contenders)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible-core >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible-core >/dev/null; } \
    || { echo "bench: could not install ansible-core: install it with 'apt-get install -y ansible-core'" >&2; exit 1; }
fi
# shellcheck source=env.sh
source "$repo/scripts/env.sh"
cd "$repo"
args=() checkpoints=yes figures=yes
for a in "$@"; do
  case "$a" in
    --no-checkpoints) checkpoints=no ;;
    # a quick check's figures prove nothing, and a run written elsewhere is not bench/results/
    --quick) checkpoints=no figures=no; args+=("$a") ;;
    --out) figures=no; args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done
node dist/bench/run.js "${args[@]}"
# the README's and docs/benchmark.md's figures, rendered from the results just written
if [ "$figures" = yes ]; then
  node dist/bench/readmeFigures.js
  # the timeline the README shows, as a picture (headless Chromium; said, not fatal, when it is missing)
  for svg in bench/results/timeline-*.svg; do
    [ -e "$svg" ] && { bash scripts/svg-to-png.sh "$svg" "${svg%.svg}.png" || echo "bench: $svg not rendered to PNG (above)" >&2; }
  done
fi
if [ "$checkpoints" = yes ]; then
  node dist/bench/checkpoints.js --count 500 --reps 1
fi
