// CPU accounting per contender from cgroup v2: each contender's controller runs in a cgroup of its
// own, the test hosts' processes in another, and cpu.stat's usage_usec (kept by the kernel for every
// cgroup v2 group, whether or not the cpu controller is enabled) is read before and after a run.
// On a hybrid machine (cgroup v1 controllers) the v2 hierarchy is mounted elsewhere (often
// /sys/fs/cgroup/unified): it is found in /proc/mounts.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The mount point of the cgroup v2 hierarchy in a /proc/mounts text, if there is one. */
export function cgroup2Mount(mounts: string): string | undefined {
  for (const line of mounts.split("\n")) {
    const [, dir, type] = line.split(" ");
    if (type === "cgroup2") return dir.replace(/\\040/g, " ");
  }
  return undefined;
}

/** usage_usec of a cpu.stat text (user + system CPU time of every process that ever ran in the group). */
export function usageUsec(cpuStat: string): number {
  const m = cpuStat.match(/^usage_usec (\d+)$/m);
  if (!m) throw new Error(`cpu.stat has no usage_usec line: ${JSON.stringify(cpuStat.slice(0, 200))}`);
  return Number(m[1]);
}

/** One cgroup: a command started through its launcher runs in it, with every process it forks. */
export class Cgroup {
  constructor(readonly dir: string) {}

  /** sh writes its own pid into the group, then execs the command: nothing runs outside it, not even the first fork. */
  launcher(): string[] {
    return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', path.join(this.dir, "cgroup.procs")];
  }

  cpuSeconds(): number {
    return usageUsec(fs.readFileSync(path.join(this.dir, "cpu.stat"), "utf8")) / 1e6;
  }

  /** The processes in the group now (a process that forked lands there too). */
  pids(): number[] {
    try {
      return fs.readFileSync(path.join(this.dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Move running processes in (a pid gone meanwhile is skipped). */
  adopt(pids: number[]): void {
    for (const pid of pids) {
      try {
        fs.writeFileSync(path.join(this.dir, "cgroup.procs"), String(pid));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
      }
    }
  }
}

/**
 * The bench's groups under <cgroup2>/upchain-bench-<pid>: "hosts" and one per contender. Undefined
 * where there is no cgroup v2 hierarchy or it cannot be written (a container without its own):
 * the bench then reports no CPU figures, and says so.
 */
export class BenchCgroups {
  private constructor(private readonly root: string) {}

  static create(mounts = fs.readFileSync("/proc/mounts", "utf8")): BenchCgroups | undefined {
    const mount = cgroup2Mount(mounts);
    if (!mount) return undefined;
    const root = path.join(mount, `upchain-bench-${process.pid}`);
    try {
      fs.mkdirSync(root, { recursive: true });
      fs.readFileSync(path.join(root, "cpu.stat"), "utf8");
    } catch {
      return undefined;
    }
    return new BenchCgroups(root);
  }

  group(name: string): Cgroup {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return new Cgroup(dir);
  }

  /**
   * Put every process of the test hosts' network namespaces (sshd, init, the product's services) in
   * the hosts' group; whatever they fork later stays in it. Repeated until a pass moves nothing, so a
   * process forked during the move is caught too.
   */
  adoptHosts(namespaces: string[], hosts: Cgroup): void {
    for (let pass = 0; pass < 10; pass++) {
      const inGroup = new Set(hosts.pids());
      const missing = namespaces
        .flatMap((ns) => execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number))
        .filter((p) => !inGroup.has(p));
      if (!missing.length) return;
      hosts.adopt(missing);
    }
    throw new Error(`the test hosts' processes kept changing while they were moved into ${hosts.dir}`);
  }

  /** Remove the groups (empty by then: the contenders exited, the hosts are stopped); says what it could not remove. */
  remove(): string | undefined {
    try {
      if (!fs.existsSync(this.root)) return undefined;
      for (const d of fs.readdirSync(this.root, { withFileTypes: true })) if (d.isDirectory()) fs.rmdirSync(path.join(this.root, d.name));
      fs.rmdirSync(this.root);
      return undefined;
    } catch (e) {
      return `could not remove ${this.root} (${(e as Error).message}): remove it with rmdir once its processes are gone`;
    }
  }
}
