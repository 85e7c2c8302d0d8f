// What waiting for a long step costs the host: on N test hosts at once, take the machine lock, launch
// a step that sleeps S seconds, wait for it as the executor does, and read the CPU time of what the
// controller's connection ran on the host during the wait alone: the per-connection sshd (ppid not 1)
// reaps every session it runs (sudo, sh, the poll's flock/wc/sleep, the heartbeat's execs) and counts
// their time in its children's utime+stime (/proc/PID/stat fields 16-17), its own (the channels'
// crypto) in fields 14-15. The detached step itself is not sshd's child (setsid, reparented to the
// host's init), so a sleeping step adds nothing: what is measured is the wait and the heartbeats.
//
// usage (under the acceptance lock: it starts test hosts): node dist/bench/waitCpu.js [--hosts 1] [--seconds 20] [--no-ride]
import { randomBytes } from "crypto";
import { startDetached } from "../providers/engine/running/detached";
import { acquireLock } from "../providers/engine/running/lock";
import { waitForStep } from "../providers/engine/running/stepWait";
import { RemoteHost } from "../providers/transport/remoteHost";
import { connectFast } from "../tests/support/faultHost";
import { onHost, startHosts, stopHosts } from "../tests/support/hosts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const hostCount = Number(arg("hosts", "1"));
const seconds = Number(arg("seconds", "20"));
/** Leave the heartbeat to its timer (the wait carries none): measures the riding beat on its own. */
const noRide = process.argv.includes("--no-ride");
const names = Array.from({ length: hostCount }, (_, i) => `nospin${i + 1}`);

/** CPU seconds the host's per-connection sshd processes and all they have reaped have used (clock ticks of 10 ms). */
function sshdCpu(name: string): number {
  const out = onHost(
    name,
    `for p in $(pidof sshd); do read -r l < /proc/$p/stat; set -- \${l##*") "}; [ "$2" = 1 ] || echo "\${12} \${13} \${14} \${15}"; done; true`,
  ).trim();
  const ticks = out.split(/\s+/).map(Number);
  if (!out || ticks.some((x) => !Number.isFinite(x))) throw new Error(`could not read sshd's CPU time on ${name}: ${out}`);
  return ticks.reduce((a, b) => a + b, 0) / 100;
}

async function oneHost(
  name: string,
  ssh: RemoteHost,
): Promise<{ cpuS: number; waitedS: number; execs: number; heartbeats: number; polls: number; wallS: number }> {
  let execs = 0;
  let heartbeats = 0;
  let polls = 0;
  const counted: RemoteHost = {
    label: ssh.label,
    exec: (command, o) => {
      execs++;
      if (command.includes("echo mine;")) heartbeats++;
      if (command.includes("s=not-started")) polls++;
      return ssh.exec(command, o);
    },
    readFile: (f) => ssh.readFile(f),
    writeFile: (f, d, m) => ssh.writeFile(f, d, m),
    close: () => ssh.close(),
  };
  const run = `bench-${randomBytes(3).toString("hex")}`;
  const t0 = Date.now();
  const lock = await acquireLock(counted, "/var/lib/upchain", "bench", run, 120);
  execs = heartbeats = polls = 0; // counted from the launch
  const dir = `/var/lib/upchain/runs/${run}/001-wait`;
  await startDetached(counted, dir, `sleep ${seconds}\necho slept`, undefined, lock.fence);
  const before = sshdCpu(name);
  const w0 = Date.now();
  const r = await waitForStep(counted, dir, {
    pollMs: 500,
    onOutput: () => undefined,
    what: `the ${seconds} s step on ${name}`,
    fence: lock.fence,
    beforePoll: () => lock.assertHeld(),
    deadlineSeconds: 3600,
    beat: noRide ? undefined : lock.ridingBeat,
    outputEverySeconds: 10,
  });
  const waitedS = (Date.now() - w0) / 1000;
  const counts = { execs, heartbeats, polls };
  await new Promise((res) => setTimeout(res, 300)); // the last session exits and is reaped
  const cpuS = sshdCpu(name) - before;
  if (r === "lost" || r === "not-started" || r.code !== 0) throw new Error(`${name}: the step did not finish well: ${JSON.stringify(r)}`);
  await lock.release();
  return { cpuS, waitedS, ...counts, wallS: (Date.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const hosts = startHosts(...names);
  try {
    const conns = await Promise.all(hosts.map((h) => connectFast(h)));
    const results = await Promise.all(names.map((n, i) => oneHost(n, conns[i])));
    await Promise.all(conns.map((c) => c.close()));
    for (const [i, n] of names.entries()) {
      const x = results[i];
      console.log(
        `${n}: host CPU ${x.cpuS.toFixed(2)} s while waiting ${x.waitedS.toFixed(1)} s for a ${seconds} s step; execs from launch to the wait's end ${x.execs} (polls ${x.polls}, heartbeats ${x.heartbeats})`,
      );
    }
    const total = results.reduce((a, x) => a + x.cpuS, 0);
    const waited = results.reduce((a, x) => a + x.waitedS, 0);
    console.log(
      `hosts ${hostCount}, step ${seconds} s: host CPU ${total.toFixed(2)} s while waiting, ${((total / waited) * 10).toFixed(3)} CPU-s per 10 s per host`,
    );
  } finally {
    stopHosts(...names);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
