#!/bin/bash
# PID 1 of a test host. Starts sshd and every service script in /etc/upchain/services.d
# (each called with "start"; fixtures install their daemons there), then waits.
# SIGUSR1 (sent by /sbin/reboot) stops everything and exits 99 so the harness boots the host again;
# SIGTERM stops everything and exits 0.
set -u
mkdir -p /run/sshd /var/log
[ -s /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
shutdown() {
  for s in /etc/upchain/services.d/*; do [ -x "$s" ] && "$s" stop >>/var/log/upchain-init.log 2>&1; done
  kill -TERM -1 2>/dev/null; sleep 0.2; kill -KILL -1 2>/dev/null
  exit "$1"
}
trap 'shutdown 99' USR1
trap 'shutdown 0' TERM INT
/usr/sbin/sshd -D -e -o HostKey=/etc/ssh/ssh_host_ed25519_key 2>>/var/log/sshd.log &
for s in /etc/upchain/services.d/*; do [ -x "$s" ] && "$s" start >>/var/log/upchain-init.log 2>&1; done
while :; do sleep 3600 & wait $!; done
