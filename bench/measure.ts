// Wall time and peak resident memory of a process tree. Every ~100 ms the tree under the root pid is
// walked through /proc and each process's VmHWM (its own peak RSS, kept by the kernel) is read; the
// maximum seen per role is kept. Roles: the pulumi CLI (the root), the dynamic provider (the node
// process running @pulumi/pulumi's dynamic-provider, a child of the CLI) and the program (node run by
// the language host).
import { ChildProcess } from "child_process";
import * as fs from "fs";

export interface Peaks {
  cliKiB: number;
  providerKiB: number;
  programKiB: number;
}

function children(): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // the command name (field 2) may hold spaces and parentheses: ppid is the 2nd field after the last ")"
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      m.set(ppid, [...(m.get(ppid) ?? []), Number(e)]);
    } catch {
      /* gone meanwhile */
    }
  }
  return m;
}

function hwm(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The dynamic provider runs .../@pulumi/pulumi/cmd/dynamic-provider/index.js (not the shim's short `node -p require.resolve(...)`); the program, .../cmd/run. */
export function roleOf(cmd: string): keyof Peaks | "" {
  if (/\/cmd\/dynamic-provider\/index\.js/.test(cmd)) return "providerKiB";
  if (/^\S*node\s.*\/cmd\/run\b/.test(cmd)) return "programKiB";
  return "";
}

export function sampleTree(root: number): { stop(): Peaks } {
  const peaks: Peaks = { cliKiB: 0, providerKiB: 0, programKiB: 0 };
  const tick = () => {
    peaks.cliKiB = Math.max(peaks.cliKiB, hwm(root));
    const kids = children();
    const walk = (p: number) => {
      for (const c of kids.get(p) ?? []) {
        // read each time: the provider's shim is a sh script that execs node under the same pid
        const role = roleOf(cmdline(c));
        if (role) peaks[role] = Math.max(peaks[role], hwm(c));
        walk(c);
      }
    };
    walk(root);
  };
  tick();
  const timer = setInterval(tick, 100);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

/** Wait for a spawned process, sampling its tree; resolves with wall seconds, exit code and peaks. */
export function timedChild(child: ChildProcess, started: bigint): Promise<{ seconds: number; code: number; peaks: Peaks }> {
  const s = sampleTree(child.pid!);
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ seconds, code: code ?? -1, peaks: s.stop() });
    });
  });
}
