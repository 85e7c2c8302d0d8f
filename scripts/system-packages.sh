#!/usr/bin/env bash
# Installs the Debian packages upchain's scripts need on this machine (not on the test hosts):
# debootstrap for the host base, iproute2/util-linux for namespaces, openssh-client for keys,
# postgresql for the test of a team's state on PostgreSQL (its binaries only; the test starts its own
# server in a temporary directory).
set -euo pipefail
need=()
for p in debootstrap:debootstrap ip:iproute2 ssh-keygen:openssh-client unshare:util-linux nsenter:util-linux curl:curl pgrep:procps mountpoint:util-linux; do
  command -v "${p%%:*}" >/dev/null 2>&1 || need+=("${p#*:}")
done
# Debian puts PostgreSQL's server binaries off PATH, under its major version.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "missing: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2; exit 1; }
echo "installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
