// The contenders, each run once against hosts already in the start state. Each returns its wall time
// (from spawning its first process to the exit of its last), peak memory and, where the machine has
// cgroup v2, the CPU-seconds its controller and the hosts used meanwhile (cgroup.ts).
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TestHost } from "../tests/support/hosts";
import { configureServersInFile, versionCommand } from "../tests/support/omflowFixture";
import { PulumiProject, repoRoot } from "../tests/support/pulumi";
import { TARGET_VERSION } from "./fleet";
import { FLOOR_JOURNAL, StepTime, runFloor } from "./floor";
import { Cgroup } from "./cgroup";
import { Peaks, sampleContender, timedChild } from "./measure";
import { PlannedStep } from "../providers/engine/planning/planner";
import { RunRecord } from "../providers/engine/running/runRecord";

/** Where a contender's processes are accounted: its controller's group and the hosts' group. */
export interface Accounting {
  controller?: Cgroup;
  hosts?: Cgroup;
}

export interface CpuSeconds {
  controller: number;
  hosts: number;
}

export interface Measured {
  seconds: number;
  cpu?: CpuSeconds;
  /** wall clock (ms since the epoch) at spawn and at exit, to place the run records' steps */
  startedAt?: number;
  endedAt?: number;
  peaks?: Peaks;
  /** upchain: the run records its provider wrote; floor: per-step times on the hosts. */
  runs?: RunRecord[];
  floorSteps?: StepTime[][];
}

/** A run's wall time and its CLI's and provider's peak memory (VmHWM, the peak RSS), for a log line. */
export const peaksLine = (m: Measured): string =>
  `${m.seconds.toFixed(2)} s; VmHWM CLI ${(m.peaks!.cliKiB / 1024).toFixed(0)} MiB, provider ${(m.peaks!.providerKiB / 1024).toFixed(0)} MiB`;

/** The CPU-seconds both groups used while `run` ran (undefined without cgroup v2). */
async function accounted<T>(a: Accounting, run: () => Promise<T>): Promise<{ result: T; cpu?: CpuSeconds }> {
  const c0 = a.controller?.cpuSeconds();
  const h0 = a.hosts?.cpuSeconds();
  const result = await run();
  if (c0 === undefined || h0 === undefined) return { result };
  return { result, cpu: { controller: a.controller!.cpuSeconds() - c0, hosts: a.hosts!.cpuSeconds() - h0 } };
}

export async function pulumiTimed(project: PulumiProject, args: string[], what: string, a: Accounting): Promise<Measured> {
  const log = path.join(project.dir, `${args[0]}.log`);
  const startedAt = Date.now();
  const { result: r, cpu } = await accounted(a, () => {
    const started = process.hrtime.bigint();
    return timedChild(project.start(args, log, a.controller?.launcher()), started, a.controller);
  });
  if (r.code !== 0) {
    // the project (and its log) is removed after the run: the whole log is kept for the diagnosis
    const kept = path.join(os.tmpdir(), `upchain-bench-${path.basename(project.dir)}-${args[0]}.log`);
    fs.copyFileSync(log, kept);
    throw new Error(`${what}: pulumi ${args.join(" ")} exited ${r.code} (whole log: ${kept}):\n${fs.readFileSync(log, "utf8").slice(-4000)}`);
  }
  return { seconds: r.seconds, peaks: r.peaks, cpu, startedAt, endedAt: Date.now() };
}

/**
 * A fresh stack managing the hosts as OMFLOW servers at the target, as the acceptance tests build
 * it, with the servers in a file (upchain:serversFile) as a large fleet lists them: in the stack
 * file, 500 of these entries pass the 128 KiB the CLI can hand the program (docs/fleets.md).
 */
export function upchainProject(hosts: TestHost[], options: Record<string, unknown>): PulumiProject {
  const project = new PulumiProject(`bench${hosts.length}`);
  project.init();
  configureServersInFile(project, hosts, TARGET_VERSION, { options });
  return project;
}

function readRuns(dir: string): RunRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
}

export async function upchainUp(hosts: TestHost[], options: Record<string, unknown>, a: Accounting = {}): Promise<Measured> {
  const project = upchainProject(hosts, options);
  try {
    // the provider inherits the CLI's environment; its run records go here instead of the project dir
    const runsDir = path.join(project.dir, "runs");
    process.env.UPCHAIN_RUNS_DIR = runsDir;
    // as a fleet operator runs it: every server at once (Pulumi's default is 4 per CPU, 8 here), as
    // Ansible gets forks = N
    const m = await pulumiTimed(project, ["up", "--yes", "--skip-preview", "--parallel", String(Math.max(8, hosts.length))], `upchain up N=${hosts.length}`, a);
    return { ...m, runs: readRuns(runsDir) };
  } finally {
    delete process.env.UPCHAIN_RUNS_DIR;
    project.dispose();
  }
}

// UPCHAIN_BENCH_PULUMI_FLAGS="-v=9 --logflow --logtostderr": the CLI's own log (and its plugins') in the
// run's log, to find which process of a failed preview died and why
const debugFlags = (): string[] => (process.env.UPCHAIN_BENCH_PULUMI_FLAGS ?? "").split(/\s+/).filter(Boolean);

export async function upchainPreview(hosts: TestHost[], options: Record<string, unknown>, a: Accounting = {}): Promise<Measured> {
  const project = upchainProject(hosts, options);
  try {
    return await pulumiTimed(project, ["preview", ...debugFlags()], `upchain preview N=${hosts.length}`, a);
  } finally {
    project.dispose();
  }
}

export async function engineFloorPreview(n: number, a: Accounting = {}): Promise<Measured> {
  const program = path.join(repoRoot, "dist/bench/engineFloor/index.js");
  const project = new PulumiProject(`floor${n}`, `module.exports = require(${JSON.stringify(program)});\n`);
  try {
    project.init();
    project.writeConfig({ "bench:count": n });
    return await pulumiTimed(project, ["preview"], `engine floor preview N=${n}`, a);
  } finally {
    project.dispose();
  }
}

/** The floor; resumable: with one synced journal write per step (floor.ts journalWrite). */
export async function floor(hosts: TestHost[], steps: PlannedStep[], knownHosts: string, resumable: boolean, a: Accounting = {}): Promise<Measured> {
  const started = process.hrtime.bigint();
  const sampler = sampleContender({ group: a.controller });
  try {
    const { result: floorSteps, cpu } = await accounted(a, () =>
      runFloor(hosts, steps, knownHosts, resumable ? FLOOR_JOURNAL : undefined, a.controller?.launcher()),
    );
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu, floorSteps, peaks: sampler.stop() };
  } finally {
    sampler.stop();
  }
}

/** The patch archives per hop, from the same options upchain gets. */
export function hopsFor(steps: PlannedStep[], options: Record<string, unknown>): { from: string; to: string; archive: string }[] {
  const patches = options.patches as Record<string, string>;
  const hops = [...new Set(steps.map((s) => s.hop))];
  return hops.map((h) => {
    const [from, to] = h.split("->");
    return { from, to, archive: patches[to] };
  });
}

/** The two Ansible contenders: the idiomatic playbook and the one tuned for speed (bench/ansible/). */
export const PLAYBOOKS = { ansible: "upgrade.yml", ansibleTuned: "tuned.yml" } as const;

export async function ansible(
  hosts: TestHost[],
  hops: ReturnType<typeof hopsFor>,
  knownHosts: string,
  playbook: string,
  a: Accounting = {},
): Promise<Measured> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-bench-ansible-"));
  try {
    const src = path.join(repoRoot, "bench/ansible");
    const cp = path.join(dir, "cp");
    fs.mkdirSync(cp);
    fs.writeFileSync(
      path.join(dir, "ansible.cfg"),
      fs
        .readFileSync(path.join(src, "ansible.cfg.in"), "utf8")
        .replace(/@FORKS@/g, String(hosts.length))
        .replace(/@CP_DIR@/g, cp)
        .replace(/@KNOWN_HOSTS@/g, knownHosts),
    );
    const inventory = [
      "[omflow]",
      ...hosts.map((h) => `${h.name} ansible_host=${h.host} ansible_port=${h.port} ansible_user=${h.user} ansible_ssh_private_key_file=${h.privateKeyFile}`),
    ];
    fs.writeFileSync(path.join(dir, "hosts.ini"), inventory.join("\n") + "\n");
    // the version is read as upchain's stack reads it (the fixture's site versionCommand)
    fs.writeFileSync(path.join(dir, "vars.json"), JSON.stringify({ hops, version_command: versionCommand }));
    const log = path.join(dir, "ansible.log");
    const fd = fs.openSync(log, "w");
    const [cmd, ...args] = [
      ...(a.controller?.launcher() ?? []),
      "ansible-playbook",
      "-i",
      path.join(dir, "hosts.ini"),
      "-e",
      `@${path.join(dir, "vars.json")}`,
      path.join(src, playbook),
    ];
    const { result: r, cpu } = await accounted(a, () => {
      const started = process.hrtime.bigint();
      const child = spawn(cmd, args, {
        cwd: dir,
        env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, "ansible.cfg"), ANSIBLE_LOCAL_TEMP: path.join(dir, "tmp"), ANSIBLE_HOME: path.join(dir, "home") },
        stdio: ["ignore", fd, fd],
      });
      return timedChild(child, started, a.controller);
    });
    fs.closeSync(fd);
    if (r.code !== 0) throw new Error(`ansible-playbook ${playbook} N=${hosts.length} exited ${r.code}:\n${fs.readFileSync(log, "utf8").slice(-4000)}`);
    return { seconds: r.seconds, peaks: r.peaks, cpu };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
