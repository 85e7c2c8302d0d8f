#!/usr/bin/env bash
# npm run bench: the fleet benchmark (bench/run.ts). Arguments go to the driver:
#   npm run bench -- --sizes 1,5,20 --reps 3 --preview 20,100
# It needs root (the test hosts are network namespaces and overlay mounts) and ansible-playbook (one
# of the contenders); both are checked here first so the bench fails before it starts any host.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "bench: run it as root: it starts real test hosts (network namespaces, overlay mounts)" >&2; exit 1
fi
if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "bench: ansible-playbook is missing (Ansible is one of the contenders): install it with 'apt-get install -y ansible-core'" >&2; exit 1
fi
if ! command -v ssh >/dev/null 2>&1; then
  echo "bench: ssh is missing: install it with 'apt-get install -y openssh-client'" >&2; exit 1
fi
# shellcheck source=env.sh
source "$repo/scripts/env.sh"
cd "$repo"
exec node dist/bench/run.js "$@"
