// What the fault-matrix tests do to a test host and read back from it: run the fault catalog in
// this process or in a child that can be killed, break the link or sudo, and read the journal,
// the history, the step log and the backup. Hosts are reached over SSH only for runs; everything
// the tests inspect goes through the harness's side channel, so a broken link never hides a fact.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as assert from "assert";
import * as path from "path";
import { ExecuteOptions, executePlan } from "../../providers/engine/running/executor";
import { planUpgrade } from "../../providers/engine/planning/planner";
import type { Journal } from "../../providers/engine/running/journal";
import { ReconnectingHost } from "../../providers/transport/reconnectingHost";
import { RemoteHost } from "../../providers/transport/remoteHost";
import { connectSsh } from "../../providers/transport/ssh";
import { BACKUP_ROOT, FAULT_DIR, SERVICE, faulty } from "./faultCatalog";
import { TestHost, linkOf, onHost, privateKey } from "./hosts";

export const STATE = "/var/lib/upchain";
export const JOURNAL = `${STATE}/counter.journal.json`;
/** Keepalive for test connections: a link that is down is noticed within ~3 s instead of ~30 s. */
export const KEEPALIVE_MS = 1000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(150);
  }
}

export function connectionOf(h: TestHost, user = "root") {
  return { host: h.host, user, privateKey: privateKey(h), hostKey: h.hostKey };
}

/** A reconnecting SSH host, as the provider makes one, with a short keepalive. */
export async function connectFast(h: TestHost, user = "root"): Promise<RemoteHost> {
  const c = connectionOf(h, user);
  const o = { keepaliveIntervalMs: KEEPALIVE_MS };
  return new ReconnectingHost(await connectSsh(c, o), (ms) => connectSsh(c, { ...o, readyTimeoutMs: ms }));
}

export type RunOptions = Partial<Omit<ExecuteOptions, "host" | "catalog" | "plan" | "ctx">> & { options?: Record<string, unknown>; lines?: string[] };

/** One run of the fault catalog from `from` to `to` in this process, over `host`. */
export function runFaulty(host: RemoteHost, from: string, to: string, o: RunOptions = {}) {
  const options = o.options ?? {};
  const plan = planUpgrade(faulty, { installed: from, target: to, platform: "linux", options });
  const { options: _o, lines, ...rest } = o;
  return executePlan({
    host,
    catalog: faulty,
    plan,
    ctx: { platform: "linux", releases: faulty.defaultReleases, options },
    resource: "counter",
    pollMs: 100,
    contactTimeoutMs: 60_000,
    log: (l) => lines?.push(l),
    ...rest,
  });
}

/** The same run in a child process (tests/support/execute-child.ts), which a test can SIGKILL like a controller. */
export function spawnFaulty(h: TestHost, from: string, to: string, extra: Record<string, unknown>, logFile: string): ChildProcess {
  const script = path.resolve(__dirname, "execute-child.js");
  const fd = fs.openSync(logFile, "w");
  const args = { connection: connectionOf(h), from, to, catalog: "faulty", keepaliveMs: KEEPALIVE_MS, ...extra };
  return spawn(process.execPath, [script, JSON.stringify(args)], { stdio: ["ignore", fd, fd] });
}

export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await gone;
}

/**
 * Whether an upload to `file` is under way: its partial copy, `.<name>.upchain-<random>` beside it
 * (providers/transport/atomicWrite.ts), is there. False while the host cannot be asked (rebooting).
 */
export function uploading(name: string, file: string): boolean {
  const dir = path.posix.dirname(file);
  const partial = new RegExp(`^\\.${path.posix.basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.upchain-`, "m");
  try {
    return partial.test(onHost(name, `ls -A ${dir} 2>/dev/null || true`));
  } catch {
    return false;
  }
}

/** Lines of a file on the host (empty when absent). */
export function hostLines(name: string, file: string): string[] {
  return onHost(name, `cat ${file} 2>/dev/null || true`).split("\n").filter(Boolean);
}

export const version = (name: string) => onHost(name, `cat ${FAULT_DIR}/VERSION`).trim();
export const installs = (name: string) => hostLines(name, `${FAULT_DIR}/installs.log`);
export const sha = (name: string, file: string) => onHost(name, `sha256sum < ${file} | cut -d' ' -f1`).trim();

/** The live journal, parsed, or undefined. */
export function liveJournal(name: string): Journal | undefined {
  const t = onHost(name, `cat ${JOURNAL} 2>/dev/null || true`).trim();
  return t ? (JSON.parse(t) as Journal) : undefined;
}

/** The version the counter's service is serving, or "" when it is down. */
export const serving = (name: string) => onHost(name, `${SERVICE} status || true`).trim();

/** Remove every fault hook, as an operator who fixed the cause would. */
export const clearHooks = (name: string) => onHost(name, `rm -f ${FAULT_DIR}/hooks/*`);
/** Set one fault hook on the host (a file under /opt/counter/hooks, its content the hook's value). */
export const setHook = (name: string, hook: string, value = "") => onHost(name, `echo ${JSON.stringify(value)} > ${FAULT_DIR}/hooks/${hook}`);

/**
 * Nothing is lost after a failed hop that was restored: the host runs `from` again with the
 * database it had (`db`, its sha256), the hop's backup is kept, the run is archived as restored, and
 * no journal is left for the next run to resume.
 */
export function assertRestored(name: string, db: string, from = "1", hopDir = "1-to-2"): void {
  assert.strictEqual(version(name), from, "the host runs its old version");
  assert.strictEqual(serving(name), from, "its service is up, serving the old version");
  assert.strictEqual(sha(name, `${FAULT_DIR}/data/db`), db, "the database is the one from before the hop");
  assert.match(backupSums(name, hopDir), /\.\/data\/db/, "the hop's backup is kept");
  const last = history(name).pop();
  assert.strictEqual(last?.[1].status, "restored", `the journal says the hop was restored: ${JSON.stringify(last)}`);
  assert.strictEqual(liveJournal(name), undefined, "no journal is left: the next run plans from what is installed");
}

/** The next run, with the fault's cause removed, does the hop: the host ends at `to`, serving it. */
export async function assertNextRunFinishes(name: string, next: () => Promise<{ reached: string }>, to = "2"): Promise<void> {
  clearHooks(name);
  assert.strictEqual((await next()).reached, to, "the next run does the hop");
  assert.strictEqual(version(name), to);
  assert.strictEqual(serving(name), to, "and its service serves the new version");
  assert.strictEqual(history(name).pop()?.[1].status, "done");
}

/** Archived journals, oldest first, as [file name, parsed]. */
export function history(name: string): [string, Journal][] {
  const files = onHost(name, `ls -1tr ${STATE}/history 2>/dev/null || true`).split("\n").filter(Boolean);
  return files.map((f) => [f, JSON.parse(onHost(name, `cat ${STATE}/history/${f}`)) as Journal]);
}

/** Step intervals from steps.log: step name, start and end (epoch seconds); a step with no end has end NaN. */
export function stepIntervals(name: string): { step: string; start: number; end: number }[] {
  const out: { step: string; start: number; end: number }[] = [];
  for (const line of hostLines(name, `${FAULT_DIR}/steps.log`)) {
    const [what, step, at] = line.split(" ");
    if (what === "start") out.push({ step, start: Number(at), end: NaN });
    else {
      const open = [...out].reverse().find((s) => s.step === step && Number.isNaN(s.end));
      if (open) open.end = Number(at);
    }
  }
  return out;
}

/** How many times each step started, e.g. { "install-2": 1 }. */
export function startsOf(name: string): Record<string, number> {
  const n: Record<string, number> = {};
  for (const s of stepIntervals(name)) n[s.step] = (n[s.step] ?? 0) + 1;
  return n;
}

/** Checksums of the files in a hop's backup, to prove it was never touched. */
export function backupSums(name: string, hopDir: string): string {
  return onHost(name, `cd ${BACKUP_ROOT}/${hopDir} && find . -type f | sort | xargs sha256sum`);
}

/**
 * Cut the SSH sessions that serve upchain: each sshd process of a logged-in session (not the
 * listener) is killed by its pid inside the host, so the connection drops as if the server's side
 * went away; the step processes (setsid) are not among them.
 */
export function killSshSessions(name: string): number {
  const pids = onHost(name, `ps -eo pid=,args= | awk '$2 ~ /^sshd:/ && $0 ~ /@/ {print $1}'`)
    .split(/\s+/)
    .filter((p) => /^\d+$/.test(p));
  if (pids.length) onHost(name, `kill -9 ${pids.join(" ")} 2>/dev/null || true`);
  return pids.length;
}

/** Take the host's network link down (its eth0, inside its namespace) for `ms`, then up again. */
export async function linkDown(name: string, ms: number): Promise<void> {
  execFileSync("ip", ["-n", `upchain-${name}`, "link", "set", "dev", "eth0", "down"]);
  try {
    await sleep(ms);
  } finally {
    execFileSync("ip", ["-n", `upchain-${name}`, "link", "set", "dev", "eth0", "up"]);
  }
}

/** Slow the link from this machine to the host to `rate` (e.g. "2mbit"), or lift the limit. */
export function throttle(h: TestHost, rate: string | undefined): void {
  const dev = linkOf(h);
  execFileSync("sh", ["-c", `tc qdisc del dev ${dev} root 2>/dev/null; true`]);
  // tbf, not netem: netem is not built into every kernel the suite runs on
  if (rate) execFileSync("tc", ["qdisc", "add", "dev", dev, "root", "tbf", "rate", rate, "burst", "64kb", "latency", "2s"]);
}

/** How many times the host has booted since the harness started it. */
export function boots(h: TestHost): number {
  const log = path.join("/run/upchain-hosts", h.name, "console.log");
  return fs
    .readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("boot ")).length;
}
