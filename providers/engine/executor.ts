// The executor walks a plan through a RemoteHost: a lock, a journal, a backup before anything
// destructive, each step run detached and polled, a check after each hop, and the hop's restore
// point brought back when a step fails. It makes no planning decision of its own.
import { randomBytes } from "crypto";
import { UpchainError, isUpchainError, maskSecrets } from "../errors";
import { RemoteHost } from "../transport/remoteHost";
import { Catalog, PlanContext, Step } from "./catalog";
import { DetachedResult, startDetached, waitDetached } from "./detached";
import { edit, servicesAdd, upload } from "./fileSteps";
import { Journal, archiveJournal, readJournal, writeJournal } from "./journal";
import { acquireLock } from "./lock";
import { Plan, PlannedStep } from "./planner";
import { rebootAndWait } from "./reboot";

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
    // best effort: after a host that never came back, the lock goes stale on its own
    await lock.release().catch((e) => log(`could not release the lock: ${(e as Error).message}`));
  }
}

async function walk(o: ExecuteOptions, j: Journal, stateDir: string, log: (l: string) => void, heartbeat: () => Promise<void>): Promise<void> {
  const steps = j.plan.steps;
  while (j.next < steps.length) {
    const index = j.next;
    const step = steps[index];
    const hopSteps = steps.filter((s) => s.hop === step.hop);
    const position = `[${step.hop} ${hopSteps.indexOf(step) + 1}/${hopSteps.length}]`;
    const resumed = j.inFlight?.index === index && step.action !== "reboot" ? j.inFlight.dir : undefined;
    // The previous run started this step and did not see it end: find out, never re-run it blindly.
    if (resumed) log(`${position} ${step.title}: in flight when the last run was interrupted; finding out how it ended`);
    const left = resumed ? await waitDetached(o.host, resumed, { pollMs: o.pollMs ?? 500, onPoll: heartbeat }) : undefined;
    let outcome: StepOutcome;
    if (left !== undefined && left !== "not-started") {
      log(`${position} ${step.title}: left running by the interrupted run; waited for it`);
      outcome = left;
    } else {
      log(`${position} ${step.title}${left ? ": the interrupted run never launched it; running it now" : ""}`);
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
  if (step.shell !== "sh") {
    throw new UpchainError("UNSUPPORTED_PLATFORM", `step ${step.id}: PowerShell steps are rendered for review but this version runs only POSIX sh steps`);
  }
  if (step.action === "upload") return upload(o.host, step);
  if (step.action === "edit") return edit(o.host, step, j.run);
  if (step.action === "services-add") return servicesAdd(o.host, step, j.run);
  const dir = `${stateDir}/runs/${j.run}/${String(index).padStart(3, "0")}-${step.id}`;
  if (step.action === "reboot") return reboot(o, step, j, index, dir, stateDir);
  // The journal names the step before it starts, so a run killed now knows where to look.
  j.inFlight = { index, dir };
  await writeJournal(o.host, stateDir, o.resource, j);
  await startDetached(o.host, dir, step.commands.join("\n"));
  const r = await waitDetached(o.host, dir, { pollMs: o.pollMs ?? 500, onOutput, onPoll: heartbeat });
  return r === "not-started" ? "lost" : r; // launched by this run: no pid means it died at once
}

/** A reboot that never ends in a new boot is not a failed step to restore: the host is unreachable. */
async function reboot(o: ExecuteOptions, step: PlannedStep, j: Journal, index: number, dir: string, stateDir: string): Promise<StepOutcome> {
  const resumed = j.inFlight?.index === index ? j.inFlight.marker : undefined;
  const log = (line: string) => o.log?.(maskSecrets(`[${step.hop}]   ${line}`, o.secrets ?? []));
  try {
    return await rebootAndWait({
      host: o.host,
      step,
      dir,
      markerBefore: resumed,
      remember: async (marker) => {
        j.inFlight = { index, dir, marker };
        await writeJournal(o.host, stateDir, o.resource, j);
      },
      log,
    });
  } catch (e) {
    if (!isUpchainError(e, "HOST_DID_NOT_RETURN")) throw e;
    throw new UpchainError(
      "HOST_DID_NOT_RETURN",
      `${o.host.label}: step "${step.title}" (${step.id}) of hop ${step.hop} restarted the machine, and it did not come back within ` +
        `${Number(step.timeoutSeconds ?? 900)}s. ${e.message.replace(/^[^:]*: /, "")}. Nothing could be restored on a machine that cannot be reached. ` +
        `Once it is back, run pulumi up again: the journal on the host resumes the chain after the reboot.`,
    );
  }
}

/**
 * Bring the hop's restore point back (when anything destructive ran), then run the catalog's
 * recovery steps (settings to put back, services to start), then report the failed step with its
 * output. Recovery runs even when nothing was changed; after a failed restore only the steps marked
 * `always` run (putting a setting back is safe, starting half-restored services is not).
 */
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
  const failedStep = `${o.host.label}: step "${step.title}" (${step.id}) of hop ${step.hop} ${what}`;
  const restore = changedSomething ? o.catalog.restoreSteps(hop, o.ctx) : [];
  const recover = o.catalog.recoverSteps?.(hop, o.ctx) ?? [];
  if (restore.length || recover.length) log(`[${step.hop}] step ${step.id} ${what}; bringing ${hop.from} back`);
  let restoreError: string | undefined;
  for (const r of restore) {
    restoreError = await runAside(o, j, stateDir, r);
    if (restoreError) break;
  }
  const recoverErrors: string[] = [];
  for (const r of recover.filter((r) => !restoreError || r.always)) {
    const e = await runAside(o, j, stateDir, r);
    if (e) recoverErrors.push(`${r.title}: ${e}`);
  }
  j.status = "restored";
  await writeJournal(o.host, stateDir, o.resource, j);
  if (restoreError || recoverErrors.length) {
    const why = restoreError ? `restoring the backup failed too (${restoreError}). The backup is kept on the host; restore it by hand` : `the backup was restored, but ${recoverErrors.join("; ")}`;
    throw new UpchainError("RESTORE_FAILED", mask(`${failedStep}, and ${why}.${output}`));
  }
  await archiveJournal(o.host, stateDir, o.resource, j.run);
  const restored = changedSomething
    ? `the host was restored to ${hop.from} and is running it`
    : recover.length
      ? `nothing had been changed yet, and ${hop.from} was put back in service`
      : "nothing had been changed yet, so nothing was restored";
  throw new UpchainError("STEP_FAILED", mask(`${failedStep}; ${restored}.${output}`));
}

/** Run a restore or recovery step to its end; its error text, or undefined when it succeeded. */
async function runAside(o: ExecuteOptions, j: Journal, stateDir: string, r: Step): Promise<string | undefined> {
  const dir = `${stateDir}/runs/${j.run}/restore-${r.id}`;
  await startDetached(o.host, dir, r.commands.join("\n"));
  const res = await waitDetached(o.host, dir, { pollMs: o.pollMs ?? 500 });
  if (res === "lost" || res === "not-started") return res === "lost" ? "interrupted" : "it did not start";
  return res.code === 0 ? undefined : `exited ${res.code}: ${tail(res.stderr.trim() || res.stdout.trim(), 1000)}`;
}
