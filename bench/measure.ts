// Wall time and peak memory of one contender's processes, and only those: every 500 ms the
// contender's cgroup (cgroup.procs) is read, or without cgroup v2 its process tree is walked from
// /proc/<pid>/task/*/children; nothing else on the machine is read. Per process, VmHWM (its own
// peak RSS, kept by the kernel) per role; and the sum of every process's PSS, the contender's whole
// footprint (PSS shares pages the processes share, as Ansible's forks do, instead of counting them
// once per process). Roles: the pulumi CLI (the root), the dynamic provider (the node process running
// @pulumi/pulumi's dynamic-provider, a child of the CLI) and the program (node run by the language host).
import { ChildProcess } from "child_process";
import * as fs from "fs";
import type { Cgroup } from "./cgroup";

export const SAMPLE_EVERY_MS = 500;

export interface Peaks {
  cliKiB: number;
  providerKiB: number;
  programKiB: number;
  /** peak of the summed PSS of all the contender's processes */
  treeKiB: number;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return ""; // gone meanwhile
  }
}

/** The descendants of pid (not pid itself), from the kernel's children lists. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      for (const c of read(`/proc/${p}/task/${t}/children`).split(" ").filter(Boolean).map(Number)) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

/** A `Key: N kB` field of a /proc status or smaps_rollup text, in KiB (0 when absent). */
export function kib(text: string, key: string): number {
  const m = text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) : 0;
}

/** The dynamic provider runs .../@pulumi/pulumi/cmd/dynamic-provider/index.js (not the shim's short `node -p require.resolve(...)`); the program, .../cmd/run. */
export function roleOf(cmd: string): "providerKiB" | "programKiB" | "" {
  if (/\/cmd\/dynamic-provider\/index\.js/.test(cmd)) return "providerKiB";
  if (/^\S*node\s.*\/cmd\/run\b/.test(cmd)) return "programKiB";
  return "";
}

/**
 * Sample a contender until stop(): its group's processes if it has a group, else root's tree.
 * root: the contender's first process (its CLI), if it has one (the floor has only ssh clients).
 */
export function sampleContender(o: { root?: number; group?: Cgroup }): { stop(): Peaks } {
  const peaks: Peaks = { cliKiB: 0, providerKiB: 0, programKiB: 0, treeKiB: 0 };
  const tick = () => {
    const pids = o.group ? o.group.pids() : o.root ? [o.root, ...descendants(o.root)] : descendants(process.pid);
    let pss = 0;
    for (const pid of pids) {
      pss += kib(read(`/proc/${pid}/smaps_rollup`), "Pss");
      const hwm = kib(read(`/proc/${pid}/status`), "VmHWM");
      if (pid === o.root) peaks.cliKiB = Math.max(peaks.cliKiB, hwm);
      // read each time: the provider's shim is a sh script that execs node under the same pid
      const role = roleOf(read(`/proc/${pid}/cmdline`).replace(/\0/g, " "));
      if (role) peaks[role] = Math.max(peaks[role], hwm);
    }
    peaks.treeKiB = Math.max(peaks.treeKiB, pss);
  };
  tick();
  const timer = setInterval(tick, SAMPLE_EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

/** Wait for a spawned process, sampling its processes; resolves with wall seconds, exit code and peaks. */
export function timedChild(child: ChildProcess, started: bigint, group?: Cgroup): Promise<{ seconds: number; code: number; peaks: Peaks }> {
  const s = sampleContender({ root: child.pid!, group });
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ seconds, code: code ?? -1, peaks: s.stop() });
    });
  });
}
