// The executor walks a plan through a RemoteHost: a lock, a journal, a backup before anything
// destructive, each step run detached and polled, a check after each hop, and the hop's restore
// point brought back when a step fails. It makes no planning decision of its own.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { UpchainError, maskSecrets } from "../errors";
import { namedEdits } from "../edits/edit";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { Catalog, PlanContext } from "./catalog";
import { DetachedResult, startDetached, waitDetached } from "./detached";
import { Journal, archiveJournal, readJournal, writeJournal } from "./journal";
import { acquireLock } from "./lock";
import { Plan, PlannedStep } from "./planner";

export interface ExecuteOptions {
  host: RemoteHost;
  catalog: Catalog;
  plan: Plan;
  ctx: PlanContext;
  /** Names this server's journal and lock on the host (one resource, one journal). */
  resource: string;
  stateDir?: string;
  log?: (line: string) => void;
  /** Values to mask in every message and output shown. */
  secrets?: string[];
  pollMs?: number;
  lockStaleSeconds?: number;
}

export interface ExecuteResult {
  /** The version the host is at when the run ends. */
  reached: string;
  /** Set when this run finished a plan an interrupted run had started. */
  resumedRun?: string;
}

/** How a step ended: its exit status and output, or "lost" when it died without an exit status. */
type StepOutcome = DetachedResult | "lost";

const tail = (s: string, n = 4000) => (s.length > n ? "…" + s.slice(-n) : s);

/** Where journals, locks and step output live on a host. */
export const DEFAULT_STATE_DIR = "/var/lib/upchain";

export async function executePlan(o: ExecuteOptions): Promise<ExecuteResult> {
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const run = `${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
  const log = (line: string) => o.log?.(maskSecrets(line, o.secrets ?? []));
  const lock = await acquireLock(o.host, stateDir, o.resource, run, o.lockStaleSeconds ?? 120);
  if (lock.tookOverFrom) log(`took over the lock of run ${lock.tookOverFrom}, whose heartbeat had stopped`);
  try {
    let journal = await readJournal(o.host, stateDir, o.resource);
    let resumedRun: string | undefined;
    if (journal && journal.status === "running") {
      resumedRun = journal.run;
      log(`resuming run ${journal.run}: ${journal.plan.from} -> ${journal.plan.to}, at step ${journal.next + 1} of ${journal.plan.steps.length}`);
    } else {
      journal = { version: 1, run, plan: o.plan, next: 0, status: "running", updatedAt: "" };
      await writeJournal(o.host, stateDir, o.resource, journal);
    }
    await walk(o, journal, stateDir, log, () => lock.heartbeat());
    journal.status = "done";
    await writeJournal(o.host, stateDir, o.resource, journal);
    await archiveJournal(o.host, stateDir, o.resource, journal.run);
    return { reached: journal.plan.to, resumedRun };
  } finally {
    await lock.release();
  }
}

async function walk(o: ExecuteOptions, j: Journal, stateDir: string, log: (l: string) => void, heartbeat: () => Promise<void>): Promise<void> {
  const steps = j.plan.steps;
  while (j.next < steps.length) {
    const index = j.next;
    const step = steps[index];
    const hopSteps = steps.filter((s) => s.hop === step.hop);
    const position = `[${step.hop} ${hopSteps.indexOf(step) + 1}/${hopSteps.length}]`;
    let outcome: StepOutcome;
    if (j.inFlight?.index === index) {
      // The previous run started this step and did not see it end: find out, never re-run it blindly.
      log(`${position} ${step.title}: left running by the interrupted run; waiting for it`);
      outcome = await waitDetached(o.host, j.inFlight.dir, { pollMs: o.pollMs ?? 500, onPoll: heartbeat });
    } else {
      log(`${position} ${step.title}`);
      outcome = await runStep(o, step, j, index, stateDir, heartbeat, (t) => log(`${position}   ${t.trimEnd()}`));
    }
    if (outcome === "lost" || outcome.code !== 0) {
      await failHop(o, j, stateDir, step, outcome, log);
    }
    j.next = index + 1;
    j.inFlight = undefined;
    await writeJournal(o.host, stateDir, o.resource, j);
    await heartbeat();
  }
}

async function runStep(
  o: ExecuteOptions,
  step: PlannedStep,
  j: Journal,
  index: number,
  stateDir: string,
  heartbeat: () => Promise<void>,
  onOutput: (t: string) => void,
): Promise<StepOutcome> {
  if (step.action === "upload") return upload(o.host, step);
  if (step.action === "edit") return edit(o.host, step, j.run);
  if (step.shell !== "sh") {
    throw new UpchainError("UNSUPPORTED_PLATFORM", `step ${step.id}: PowerShell steps are rendered for review but this version runs only POSIX sh steps`);
  }
  const dir = `${stateDir}/runs/${j.run}/${String(index).padStart(3, "0")}-${step.id}`;
  // The journal names the step before it starts, so a run killed now knows where to look.
  j.inFlight = { index, dir };
  await writeJournal(o.host, stateDir, o.resource, j);
  await startDetached(o.host, dir, step.commands.join("\n"));
  return waitDetached(o.host, dir, { pollMs: o.pollMs ?? 500, onOutput, onPoll: heartbeat });
}

async function upload(host: RemoteHost, step: PlannedStep): Promise<DetachedResult> {
  const source = String(step.source ?? "");
  const destination = String(step.destination);
  if (!source || !fs.existsSync(source)) return { code: 1, stdout: "", stderr: `local file ${source || "(none given)"} does not exist` };
  const files: [string, string][] = fs.statSync(source).isDirectory()
    ? listFiles(source).map((f) => [path.join(source, f), `${destination}/${f}`])
    : [[source, destination]];
  for (const [from, to] of files) {
    await host.exec(`mkdir -p ${q(path.posix.dirname(to))}`, { sudo: true });
    await host.writeFile(to, fs.readFileSync(from), 0o644);
  }
  return { code: 0, stdout: `uploaded ${files.length} file(s) to ${destination}\n`, stderr: "" };
}

function listFiles(dir: string, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), path.posix.join(prefix, e.name)) : [path.posix.join(prefix, e.name)],
  );
}

/** Back up, write a temp file and rename it in, validate; put the old file back if validation fails. */
async function edit(host: RemoteHost, step: PlannedStep, run: string): Promise<DetachedResult> {
  const file = String(step.file);
  const apply = namedEdits[String(step.edit)];
  if (!apply) return { code: 1, stdout: "", stderr: `no edit named ${String(step.edit)}` };
  const value = step.valueCommand ? await host.exec(String(step.valueCommand), { sudo: true }) : undefined;
  if (value && value.code !== 0) return { code: value.code ?? 1, stdout: value.stdout, stderr: `could not compute the new value: ${value.stderr}` };
  const before = (await host.readFile(file)).toString("utf8");
  const r = apply(before, value?.stdout.trim() ?? "");
  if (!r.changed) return { code: 0, stdout: `${file} already right; not written\n`, stderr: "" };
  const backup = `${file}.upchain-${run}.bak`;
  await host.exec(`cp -p ${q(file)} ${q(backup)}`, { sudo: true });
  await host.writeFile(file, r.after, 0o644);
  if (step.validate) {
    const v = await host.exec(String(step.validate), { sudo: true });
    if (v.code !== 0) {
      await host.exec(`mv -f ${q(backup)} ${q(file)}`, { sudo: true });
      return { code: v.code ?? 1, stdout: v.stdout, stderr: `${step.validate} rejected the edited ${file}; the old file is back:\n${v.stderr}` };
    }
  }
  return { code: 0, stdout: `edited ${file} (backup ${backup})\n`, stderr: "" };
}

/** Bring the hop's restore point back, then report the step that failed with its output. */
async function failHop(
  o: ExecuteOptions,
  j: Journal,
  stateDir: string,
  step: PlannedStep,
  outcome: StepOutcome,
  log: (l: string) => void,
): Promise<never> {
  const hop = j.plan.hops.find((h) => `${h.from}->${h.to}` === step.hop)!;
  const hopSteps = j.plan.steps.filter((s) => s.hop === step.hop);
  const changedSomething = hopSteps.slice(0, hopSteps.indexOf(step) + 1).some((s) => s.destructive);
  const what = outcome === "lost" ? "was interrupted and its outcome is unknown" : `exited ${outcome.code}`;
  const output = outcome === "lost" ? "" : `\n--- stdout ---\n${tail(outcome.stdout)}\n--- stderr ---\n${tail(outcome.stderr)}`;
  const mask = (s: string) => maskSecrets(s, o.secrets ?? []);
  let restored = "nothing had been changed yet, so nothing was restored";
  if (changedSomething) {
    log(`[${step.hop}] step ${step.id} ${what}; restoring the state from before ${hop.to}`);
    for (const r of o.catalog.restoreSteps(hop, o.ctx)) {
      const dir = `${stateDir}/runs/${j.run}/restore-${r.id}`;
      await startDetached(o.host, dir, r.commands.join("\n"));
      const res = await waitDetached(o.host, dir, { pollMs: o.pollMs ?? 500 });
      if (res === "lost" || res.code !== 0) {
        j.status = "restored";
        await writeJournal(o.host, stateDir, o.resource, j);
        throw new UpchainError(
          "RESTORE_FAILED",
          mask(`${o.host.label}: step "${step.title}" (${step.id}) of hop ${step.hop} ${what}, and restoring the backup failed too: ` +
            `${res === "lost" ? "interrupted" : res.stderr.trim()}. The backup is kept on the host; restore it by hand.${output}`),
        );
      }
    }
    restored = `the host was restored to ${hop.from} and is running it`;
  }
  j.status = "restored";
  await writeJournal(o.host, stateDir, o.resource, j);
  await archiveJournal(o.host, stateDir, o.resource, j.run);
  throw new UpchainError("STEP_FAILED", mask(`${o.host.label}: step "${step.title}" (${step.id}) of hop ${step.hop} ${what}; ${restored}.${output}`));
}
