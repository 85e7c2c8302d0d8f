#!/usr/bin/env bash
# Real, isolated Linux test hosts on this machine.
# Each host: its own network namespace and address on a private bridge, its own root filesystem
# (overlayfs, copy-on-write over a cached debootstrap'd Debian base), its own PID/UTS/mount/IPC
# namespaces and its own sshd with its own host key. No default route and ip_forward stays as the
# machine has it (off), so hosts are air-gapped like the servers the vendor documents describe.
#
# usage: testhost.sh base                 build (once) and print the cached base rootfs
#        testhost.sh up NAME[:N] ...       start hosts (at address index N if given), restarting any stale one
#        testhost.sh reset NAME           discard everything the host changed, start it again
#        testhost.sh down NAME|--all      stop hosts and remove their namespaces and files
#        testhost.sh info NAME            print JSON: name, ip, port, user, key file, host key
#        testhost.sh exec NAME CMD...     run a command inside the host (harness side channel)
#        testhost.sh list
set -euo pipefail
[ -n "${UPCHAIN_TRACE:-}" ] && { PS4='+ $EPOCHREALTIME '; set -x; }
cache=${UPCHAIN_CACHE:-/var/cache/upchain}
run=${UPCHAIN_HOSTS_RUN:-/run/upchain-hosts}
bridge=${UPCHAIN_BRIDGE:-upchain0}
bridge_mac=02:77:ff:00:00:01
subnet=${UPCHAIN_SUBNET:-10.77.0}   # the first /24 on the private bridge; only our own namespaces live here
# A fleet beyond one /24 (the bench's 500 hosts) goes on in the next ones: index N is the address
# ${subnet%.*}.(N/256).(N%256), the bridge routes the whole /16, and a host's eth0 is a /16.
max_index=${UPCHAIN_MAX_HOSTS_INDEX:-1300}
suite=bookworm
mirror=${UPCHAIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
# Later fixtures (Apache + mod_wsgi, HAProxy, Python venvs, fake vendor products) install on top of
# this base, so it carries a compiler and Apache's headers for mod_wsgi's sdist as well as sshd.
packages=openssh-server,sudo,procps,iproute2,iputils-ping,curl,ca-certificates,tar,gzip,xz-utils,less,psmisc,apache2,apache2-dev,haproxy,python3,python3-venv,python3-dev,gcc,make,libc6-dev
base_id=$(printf '%s %s %s' "$suite" "$packages" "$(sha256sum "$here/rootfs-init.sh" | cut -c1-12)" | sha256sum | cut -c1-12)
base="$cache/base-$base_id"

log() { echo "testhost: $*" >&2; }
die() { echo "testhost: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing: install it with 'apt-get install -y $2'"; }

build_base() {
  [ -f "$base/.complete" ] && return
  need debootstrap debootstrap
  [ "$(id -u)" = 0 ] || die "test hosts need root (network namespaces, overlay mounts)"
  # Two test processes starting at once (npm run demo beside a test, say) must not build it twice
  # into the same .tmp directory: the second waits for the first, then finds it complete.
  mkdir -p "$cache"; exec 8>"$cache/.base-$base_id.lock"; flock 8
  [ -f "$base/.complete" ] && { exec 8>&-; return; }
  rm -rf "$base.tmp"; mkdir -p "$base.tmp"
  log "building the Debian $suite base with debootstrap (first time only; a few minutes)"
  debootstrap --variant=minbase --include="$packages" "$suite" "$base.tmp/rootfs" "$mirror" >"$base.tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$base.tmp/debootstrap.log" >&2; die "debootstrap failed (log: $base.tmp/debootstrap.log)"; }
  install -m 0755 "$here/rootfs-init.sh" "$base.tmp/rootfs/usr/local/sbin/upchain-init"
  # Host keys are made per host at first boot; the base must not share one.
  rm -f "$base.tmp/rootfs"/etc/ssh/ssh_host_*
  chroot "$base.tmp/rootfs" /bin/sh -c '
    set -e
    useradd -m -s /bin/bash deploy
    echo "deploy ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/deploy; chmod 0440 /etc/sudoers.d/deploy
    mkdir -p /run/sshd /root/.ssh /home/deploy/.ssh /etc/upchain/services.d
    printf "PasswordAuthentication yes\nPermitRootLogin prohibit-password\nUseDNS no\nClientAliveInterval 15\n" > /etc/ssh/sshd_config.d/upchain.conf
    ln -sf /usr/local/sbin/upchain-reboot /sbin/reboot
    apt-get clean; rm -rf /var/lib/apt/lists/*
  '
  cat > "$base.tmp/rootfs/usr/local/sbin/upchain-reboot" <<'SH'
#!/bin/sh
# A test host reboots by ending its PID 1 with the reboot code; the harness starts it again.
echo "reboot requested" > /run/upchain-reboot
kill -USR1 1
SH
  chmod 0755 "$base.tmp/rootfs/usr/local/sbin/upchain-reboot"
  touch "$base.tmp/.complete"
  rm -rf "$base"; mv "$base.tmp" "$base"
  exec 8>&-
}

ensure_bridge() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$subnet.1/24" dev "$bridge"
    ip link set "$bridge" up
  fi
  # A fixed address, so each host's permanent entry for this machine (start_host) stays right: a
  # bridge takes its lowest port's address otherwise, which changes as hosts come and go.
  ip link set "$bridge" address "$bridge_mac"
  # the /24's address stays the bridge's; the rest of the /16 is reached through the same bridge
  ip route replace "$(net16).0.0/16" dev "$bridge" 2>/dev/null || true
}

net16() { echo "${subnet%.*}"; }
# The address of index N: the first /24 for N < 256 (as always), the next ones after it.
addr_of() { echo "$(net16).$(( ${subnet##*.} + $1 / 256 )).$(( $1 % 256 ))"; }

host_dir() { echo "$run/$1"; }
ns() { echo "upchain-$1"; }

client_key() {
  local k="$cache/client/id_ed25519"
  if [ ! -f "$k" ]; then mkdir -p "$(dirname "$k")"; ssh-keygen -q -t ed25519 -N '' -C upchain-test-client -f "$k"; fi
  echo "$k"
}

alloc_index() { # the lowest index not used by a running host (none ends in .0, .1 or .255)
  local i; local -A used=()
  for i in $(cat "$run"/*/index 2>/dev/null); do used[$i]=1; done
  for ((i = 10; i <= max_index; i++)); do
    (( i % 256 < 2 || i % 256 == 255 )) && continue
    [ -z "${used[$i]:-}" ] && { echo "$i"; return; }
  done
  die "no free address left: $max_index addresses from $subnet.10 are taken (UPCHAIN_MAX_HOSTS_INDEX raises the bound)"
}

start_host() {
  local name=${1%%:*} want= d idx
  [[ "$1" == *:* ]] && want=${1#*:}
  [[ "$name" =~ ^[a-z][a-z0-9-]{0,9}$ ]] || die "host name '$name' must match ^[a-z][a-z0-9-]{0,9}$ (it names a network interface)"
  d=$(host_dir "$name")
  [ -d "$d" ] && stop_host "$name" keep
  mkdir -p "$d/upper" "$d/work" "$d/root"
  if [ -n "$want" ]; then
    [[ "$want" =~ ^[0-9]+$ ]] && [ "$want" -ge 2 ] && [ "$want" -le "$max_index" ] && (( want % 256 >= 2 && want % 256 != 255 )) \
      || die "address index '$want' must be 2..$max_index, not ending in .0, .1 or .255 (its address: $subnet.N for N < 256, then the next /24s)"
    grep -qx "$want" $(ls "$run"/*/index 2>/dev/null | grep -v "^$d/index$") /dev/null && die "address $(addr_of "$want") is taken"
    idx=$want
  else
    idx=$(cat "$d/index" 2>/dev/null || alloc_index)
  fi
  echo "$idx" > "$d/index"
  # UPCHAIN_HOST_LAYERS (colon-separated, topmost first): read-only layers over the base, so a host
  # can start with a product already installed and a reset brings exactly that back in about a second
  mount -t overlay overlay -o "lowerdir=${UPCHAIN_HOST_LAYERS:+$UPCHAIN_HOST_LAYERS:}$base/rootfs,upperdir=$d/upper,workdir=$d/work" "$d/root"
  local key; key=$(client_key)
  install -m 0600 "$key.pub" "$d/root/root/.ssh/authorized_keys"
  install -m 0600 -o 1000 -g 1000 "$key.pub" "$d/root/home/deploy/.ssh/authorized_keys"
  echo "$name" > "$d/root/etc/hostname"
  printf '127.0.0.1 localhost\n%s %s\n' "$(addr_of "$idx")" "$name" > "$d/root/etc/hosts"
  # network
  ensure_bridge
  # Namespace names are machine-wide: one left by a host whose run folder is gone (a killed harness, a
  # run folder of its own) goes when nothing runs in it, and stops us with its name when something does.
  if ip netns list | grep -q "^$(ns "$name")\( \|$\)"; then
    [ -z "$(ip netns pids "$(ns "$name")" 2>/dev/null)" ] || die "a host named $name runs outside $run (network namespace $(ns "$name")): stop it with the run folder it was started with (UPCHAIN_HOSTS_RUN)"
    ip netns del "$(ns "$name")"
  fi
  ip netns add "$(ns "$name")"
  # A fixed MAC per address, so this machine's ARP entry stays right when a host is reset; with a
  # new MAC each time, the first connections after a reset stalled for a minute on a stale entry.
  local mac; mac=$(printf '02:77:00:00:%02x:%02x' $((idx / 256)) $((idx % 256)))
  ip link add "uc$idx" type veth peer name eth0 netns "$(ns "$name")" address "$mac"
  # No broadcast or multicast between this machine and its hosts. The bridge floods each one to every
  # port, and every copy passes the CPU's receive backlog (net.core.netdev_max_backlog, 1000), which
  # this machine's own loopback traffic shares: at 500 hosts, the ARP requests of a fresh fleet and
  # the IPv6 solicitations of its booting hosts overflowed it for seconds on end (/proc/net/softnet_stat:
  # thousands of drops a second), loopback packets went with them, and the pulumi CLI's gRPC connections
  # to its language host hit grpc-go's 20 s TCP_USER_TIMEOUT (TcpExtTCPAbortOnTimeout +2): preview
  # ended "error reading from server: connection reset by peer". So the two ends know each other's
  # address for good (MACs are fixed per index), and the host's eth0 has no IPv6 (nothing here uses it).
  ip neigh replace "$(addr_of "$idx")" lladdr "$mac" dev "$bridge" nud permanent
  sysctl -qw "net.ipv6.conf.uc$idx.disable_ipv6=1" 2>/dev/null || true
  ip netns exec "$(ns "$name")" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 2>/dev/null || true
  ip link set "uc$idx" master "$bridge" up
  # the first /24's hosts keep their /24 (as before); those beyond it are on the /16 the bridge routes
  ip -n "$(ns "$name")" addr add "$(addr_of "$idx")/$([ "$idx" -lt 256 ] && echo 24 || echo 16)" dev eth0
  ip -n "$(ns "$name")" link set eth0 up
  ip -n "$(ns "$name")" link set lo up
  ip -n "$(ns "$name")" neigh replace "$subnet.1" lladdr "$bridge_mac" dev eth0 nud permanent
  # supervisor: boots the host, and boots it again when it asks to reboot (exit 99)
  setsid "$here/host-supervisor.sh" "$(ns "$name")" "$d" "$name" </dev/null >"$d/console.log" 2>&1 &
  echo $! > "$d/supervisor.pid"
}

# One known_hosts file for every running host, so stacks can pin keys with upchain:knownHostsFile.
write_known_hosts() {
  local f d
  f="$run/known_hosts"
  mkdir -p "$run" # a fresh machine (/run is emptied at boot) has none before the first host
  # a temp file of its own: two harness calls at once (a bench beside a test) must not share one
  local tmp; tmp=$(mktemp "$f.XXXXXX")
  # bash's own reads, no process per host: a fleet of 500 rewrites this once, not once per host
  local idx kt kb _
  for d in "$run"/*/; do
    [ -s "$d/root/etc/ssh/ssh_host_ed25519_key.pub" ] && [ -s "$d/index" ] || continue
    read -r idx < "$d/index"; read -r kt kb _ < "$d/root/etc/ssh/ssh_host_ed25519_key.pub"
    echo "$(addr_of "$idx") $kt $kb"
  done > "$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$f"
}

wait_ssh() {
  local name=$1 d; d=$(host_dir "$name")
  local ip; ip=$(addr_of "$(cat "$d/index")"); local deadline=$((SECONDS + ${UPCHAIN_BOOT_TIMEOUT:-30}))
  until [ -s "$d/root/etc/ssh/ssh_host_ed25519_key.pub" ] && timeout 1 bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { tail -20 "$d/console.log" >&2; die "host $name did not start sshd on $ip:22"; }
    sleep 0.1
  done
}

stop_host() {
  local name=$1 keep=${2:-} d; d=$(host_dir "$name")
  if [ -f "$d/supervisor.pid" ]; then
    kill "$(cat "$d/supervisor.pid")" 2>/dev/null || true
    rm -f "$d/supervisor.pid"
  fi
  # everything left in the namespace goes: the host's PID 1 takes its PID namespace with it
  local pids; pids=$(ip netns pids "$(ns "$name")" 2>/dev/null || true)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  for _ in $(seq 50); do [ -z "$(ip netns pids "$(ns "$name")" 2>/dev/null)" ] && break; sleep 0.05; done
  ip netns del "$(ns "$name")" 2>/dev/null || true
  if [ -f "$d/index" ]; then
    local idx; read -r idx < "$d/index"
    ip link del "uc$idx" 2>/dev/null || true
    # a stopped host's address answers nothing again, as before start_host made it permanent
    ip neigh del "$(addr_of "$idx")" dev "$bridge" 2>/dev/null || true
  fi
  mountpoint -q "$d/root" && umount -l "$d/root"
  if [ "$keep" = keep ]; then return; fi
  rm -rf "$d"
}

info() {
  local name=$1 d; d=$(host_dir "$name")
  [ -f "$d/index" ] || die "no host named $name (start it with: testhost.sh up $name)"
  local hk; hk=$(cut -d' ' -f1,2 "$d/root/etc/ssh/ssh_host_ed25519_key.pub")
  printf '{"name":"%s","host":"%s","port":22,"user":"root","privateKeyFile":"%s","hostKey":"%s","root":"%s"}\n' \
    "$name" "$(addr_of "$(cat "$d/index")")" "$(client_key)" "$hk" "$d/root"
}

# A machine with no hosts yet (a fresh boot empties /run) has no run folder: that is an empty list,
# not an error (under pipefail, find on a missing folder would fail the caller).
hosts() { [ -d "$run" ] || return 0; find "$run" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort; }
# A command that needs a running host names it in one line when there is none.
require_host() { [ -f "$(host_dir "$1")/index" ] || die "no host named $1 (start it with: testhost.sh up $1)"; }

cmd=${1:-}; shift || true
case "$cmd" in
  base) build_base; echo "$base/rootfs" ;;
  # every host is started, then all are waited for (they boot side by side), then known_hosts is
  # written once: a fleet of 500 starts in minutes, not one boot after the other
  up) build_base; mkdir -p "$run"; for n in "$@"; do start_host "$n"; done; for n in "$@"; do wait_ssh "${n%%:*}"; done; write_known_hosts ;;
  reset) for n in "$@"; do require_host "$n"; done
         for n in "$@"; do stop_host "$n"; start_host "$n"; done; for n in "$@"; do wait_ssh "$n"; done; write_known_hosts ;;
  down)
    if [ "${1:-}" = --all ]; then set -- $(hosts); fi
    # stopping a host that is not there is done already: nothing to say
    stopped=0
    for n in "$@"; do if [ -d "$(host_dir "$n")" ]; then stop_host "$n"; stopped=1; fi; done
    [ "$stopped" = 0 ] || write_known_hosts
    # the bridge is the machine's: hosts of another run folder may still be on it
    if [ -z "$(hosts)" ] && [ -z "$(ip link show master "$bridge" 2>/dev/null)" ]; then ip link del "$bridge" 2>/dev/null || true; fi ;;
  info) [ $# -eq 1 ] || die "usage: testhost.sh info NAME"; info "$1" ;;
  # a clean environment, as a login on the host would have: nothing of this machine's leaks in
  exec) [ $# -ge 2 ] || die "usage: testhost.sh exec NAME CMD..."; n=$1; shift; require_host "$n"
        [ -f "$(host_dir "$n")/init.pid" ] || die "host $n is not running (start it with: testhost.sh up $n)"
        nsenter -t "$(cat "$(host_dir "$n")/init.pid")" -a -r -w \
          env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@" ;;
  list) hosts ;;
  *) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d'; exit 2 ;;
esac
