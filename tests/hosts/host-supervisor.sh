#!/usr/bin/env bash
# Runs one test host: boots it in fresh PID/UTS/mount/IPC namespaces inside its network namespace,
# and boots it again when the host asks to reboot (its init exits 99). Killing this process stops it.
set -u
netns=$1 dir=$2 name=$3
child=
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; exit 0' TERM INT
while :; do
  echo "boot $(date -u +%FT%TZ)"
  ip netns exec "$netns" unshare --mount --pid --uts --ipc --fork --propagation private \
    /bin/bash -c '
      set -e
      root=$1; name=$2
      mount -t tmpfs -o mode=0755,nosuid dev "$root/dev"
      for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        IFS=: read -r f ma mi <<<"$n"; mknod -m 0666 "$root/dev/$f" c "$ma" "$mi"
      done
      mkdir -p "$root/dev/pts" "$root/dev/shm"
      mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
      ln -s pts/ptmx "$root/dev/ptmx"
      mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
      mount -t proc proc "$root/proc"
      mount -t tmpfs -o mode=0755 run "$root/run"
      mkdir -p "$root/run/lock" "$root/run/sshd"; chmod 1777 "$root/run/lock"
      hostname "$name"
      exec chroot "$root" /usr/local/sbin/upchain-init
    ' host-boot "$dir/root" "$name" &
  child=$!
  # `ip netns exec` becomes unshare, whose forked child is the host's PID 1; record that PID as
  # seen from here so the harness can nsenter the host
  for _ in $(seq 100); do
    pid=$(pgrep -P "$child" | head -n 1)
    [ -n "$pid" ] && { echo "$pid" > "$dir/init.pid"; break; }
    sleep 0.05
  done
  wait "$child"; code=$?
  child=
  echo "halt $(date -u +%FT%TZ) code=$code"
  [ "$code" = 99 ] || exit "$code"
  sleep "${UPCHAIN_REBOOT_DELAY:-2}"
done
