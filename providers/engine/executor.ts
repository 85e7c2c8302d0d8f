// The executor walks a plan through a RemoteHost: a lock, a journal, a backup before anything
// destructive, each step run detached and polled, a check after each hop, and the hop's restore
// point brought back when a step fails. It makes no planning decision of its own, and it takes
// nothing from the host but data: the plan always comes from the controller (journal.ts).
import { UpchainError, UpchainErrorCode, isUpchainError, maskSecrets, maskedError } from "../errors";
import { elapsedText, quotedBlock, stepProgress } from "./progress";
import { RemoteHost } from "../transport/remoteHost";
import { Catalog, PlanContext, RebootStep, Step, VersionProbe, probedVersion } from "./catalog";
import { DetachedResult, StepEnv, readResult, startDetached, stepState, sweepStepEnv } from "./detached";
import { edit, servicesAdd, upload } from "./fileSteps";
import { Journal, TimelineEntry, archiveJournal, newRunId, journalPath, journalWrite, newJournal, planDigest, readJournal, stepDir, writeAndArchiveJournal, writeJournal } from "./journal";
import { HostLock, acquireLock } from "./lock";
import { endRun } from "./runEnd";
import { readRunStart } from "./runStart";
import { fencedHost } from "./fence";
import { othersSettled } from "./machineRuns";
import { Pools } from "../loadBalancer/pools";
import { applyPools } from "./poolStep";
import { portalSettled, runHttpStep } from "./httpStep";
import { Plan, PlannedStep, hopName } from "./planner";
import { rebootAndWait } from "./reboot";
import { WaitResult, waitForStep } from "./stepWait";
import { withContact } from "../transport/contact";
import { journalNotWritten, ownStepCut, stepMayHaveStarted, stepMayStillRun } from "./contactLost";
import { StopSignal, stopAcknowledged, stoppedBetweenHops } from "./stopSignal";

export interface ExecuteOptions {
  host: RemoteHost;
  catalog: Catalog;
  /** The plan, made on the controller from the stack. A resumed run's journal must name this very plan. */
  plan: Plan;
  ctx: PlanContext;
  /** Names this server's journal and lock on the host (one resource, one journal). */
  resource: string;
  stateDir?: string;
  log?: (line: string) => void;
  /**
   * For news that need not outlive the run's display (a step starting, a running step's latest output,
   * its duration): Pulumi shows these as they come and leaves them out of its closing summary
   * (engineLog.ts). `log` when absent.
   */
  status?: (line: string) => void;
  /** Values to mask in every message and output shown. */
  secrets?: string[];
  /** Environment values for every step, from a root-only file on the host (secret option values). */
  env?: StepEnv;
  pollMs?: number;
  /** How often a running step's output and elapsed time are reported (default 10 s; engine/progress.ts). */
  progressEveryMs?: number;
  lockStaleSeconds?: number;
  /** Seconds a step may run, by step id or by action ("run", "backup", ...); see stepDeadline. */
  stepTimeouts?: Record<string, number>;
  /** The id of a run the operator has dealt with by hand (a failed restore, an interrupted run to abandon). */
  clearRun?: string;
  /** How long to keep trying to reach the host before a step's outcome is declared unknown. */
  contactTimeoutMs?: number;
  /** The site's version command, for a catalog with no documented probe: checked before the run as the catalog's probe would be. */
  versionProbe?: VersionProbe;
  /** Told the run's journal when the run ends, however it ends (its timeline feeds the report). */
  onFinish?: (journal: Journal) => void;
  /** The load balancer a cluster member's pool steps act on (opened when the first pool step runs). */
  pools?: () => Promise<Pools>;
  /** The operator's stop (Ctrl-C): the hop in progress runs to its end, and no other hop starts. */
  stop?: StopSignal;
}

export interface ExecuteResult {
  /** The version the host is at when the run ends. */
  reached: string;
  /** Set when this run finished a plan an interrupted run had started. */
  resumedRun?: string;
  /** What the version probe answered in the run's last exec (runEnd.ts), after the release: host data, unchecked. */
  versionAtEnd?: { code: number; stdout: string };
}

/** How a step ended: its exit status and output, or "lost" when it died without an exit status. */
type StepOutcome = DetachedResult | "lost";

const tail = (s: string, n = 4000) => (s.length > n ? "…" + s.slice(-n) : s);

/** Where journals, locks and step output live on a host. */
export const DEFAULT_STATE_DIR = "/var/lib/upchain";

/** How long a step may run when neither the stack nor the catalog says: generous, but not forever. */
export const DEFAULT_STEP_SECONDS: Record<string, number> = { backup: 4 * 3600, run: 2 * 3600, verify: 15 * 60, restore: 4 * 3600, pool: 15 * 60, http: 3600 };

/** The stack's setting for the step's id, then the catalog's for the step, then the stack's for its action, then the default. */
export function stepDeadline(step: Step, timeouts: Record<string, number> = {}): number {
  const own = typeof step.timeoutSeconds === "number" && step.action !== "reboot" ? step.timeoutSeconds : undefined;
  return timeouts[step.id] ?? own ?? timeouts[step.action] ?? DEFAULT_STEP_SECONDS[step.action] ?? 2 * 3600;
}

/** Per-run context the walk and the failure path share. */
interface Run {
  o: ExecuteOptions;
  j: Journal;
  stateDir: string;
  lock: HostLock;
  log: (line: string) => void;
  /** Ephemeral news (ExecuteOptions.status), masked like log. */
  status: (line: string) => void;
  /** When this run started the hop it is in (for the hop's duration). */
  hopStarted?: { hop: string; at: number };
  /** Until when to keep trying to reach the host for one operation. */
  contactUntil: () => number;
  /** What each hop's backup step printed in this run (its last line names the restore point). */
  backupOutput: Map<string, string>;
}

export async function executePlan(o: ExecuteOptions): Promise<ExecuteResult> {
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const id = newRunId();
  const log = (line: string) => o.log?.(maskSecrets(line, o.secrets ?? []));
  const foreign = o.plan.steps.find((s) => s.shell !== "sh");
  if (foreign) {
    // the refusal stays until the run's own machinery has a Windows form: said plainly, with the way on
    const { product, from, to } = o.plan;
    throw new UpchainError(
      "UNSUPPORTED_PLATFORM",
      `step ${foreign.id} is a PowerShell step, and this version of upchain runs no step on Windows: the run's journal, its lock and the runner of its ` +
        `detached steps are POSIX sh, so nothing was sent to the host. The plan preview rendered is the runbook: print every step's PowerShell, ` +
        `with the restore steps to run if one fails before the hop's last verify, with \`upchain plan ${product} --from ${from} --to ${to} --platform windows ` +
        `--options <the server's options as a JSON file>\`, and carry them out on the server in order.`,
    );
  }
  let r: Run | undefined;
  // said at once, while the hop goes on: the operator must not wonder whether Ctrl-C was heard
  const unsubscribe = o.stop?.onRequest(() => {
    const hop = r?.hopStarted?.hop;
    const next = o.plan.hops.map((h) => `${h.from}->${h.to}`).find((_, i, keys) => i > 0 && keys[i - 1] === hop);
    log(stopAcknowledged(hop && hopName(o.catalog, o.plan, hop), next && hopName(o.catalog, o.plan, next)));
  });
  try {
    return await executeLocked(o, stateDir, id, log, (run) => (r = run));
  } finally {
    unsubscribe?.();
  }
}

async function executeLocked(o: ExecuteOptions, stateDir: string, id: string, log: (line: string) => void, started: (r: Run) => void): Promise<ExecuteResult> {
  const stale = o.lockStaleSeconds ?? 120;
  const lock = await acquireLock(o.host, stateDir, o.resource, id, stale, undefined, log);
  if (lock.tookOverFrom) log(`took over the lock of run ${lock.tookOverFrom}, whose heartbeat had stopped`);
  let journal: Journal | undefined;
  try {
    // the first contact under the lock: old secrets files swept (steps killed before they read them, a host
    // that lost power), the journal, other runs' steps still running, the version, in one round trip
    const probe = o.plan.hops.length ? shProbe(o) : undefined;
    const start = await readRunStart(o.host, stateDir, o.resource, id, probe?.command).catch((e) => {
      if (isUpchainError(e, "JOURNAL_INVALID")) throw e;
      return undefined; // read one by one below
    });
    if (start?.sweepError) log(`could not remove old step secrets files: ${start.sweepError}`);
    if (!start) await sweepStepEnv(o.host, stateDir).catch((e) => log(`could not remove old step secrets files: ${(e as Error).message}`));
    let resumedRun: string | undefined;
    journal = await settleJournal(o, stateDir, start ? start.journal : await readJournal(o.host, stateDir, o.resource), log, lock);
    // a dead run of another journal may have left a step running: nothing starts beside it
    const ours = journal?.run ?? id;
    await othersSettled(o.host, stateDir, ours, stale, "starts nothing", log, undefined, start?.liveSteps);
    // the version read with the rest holds when nothing was waited for
    const version = start && !start.liveSteps.some((l) => l.split("/")[0] !== ours) ? start.version : undefined;
    if (journal) {
      resumedRun = journal.run;
      await assertOnHop(o, journal, version);
      // killed after its last step, before it wrote "done": nothing is left to run, only to finish
      log(journal.next < journal.steps
        ? `resuming run ${journal.run}: ${journal.from} -> ${journal.to}, at step ${journal.next + 1} of ${journal.steps}`
        : `finishing run ${journal.run}: ${journal.from} -> ${journal.to}, whose ${journal.steps} steps had all run`);
    } else {
      await assertStillAt(o, version);
      journal = newJournal(id, o.plan);
      // a first step launched detached writes the new journal in its launch (naming it in flight); a
      // run killed before that left nothing to resume, and plans afresh
      if (!writesJournalAtLaunch(o.plan.steps[0])) await writeJournal(o.host, stateDir, o.resource, journal, lock.fence);
    }
    const contact = o.contactTimeoutMs ?? 120_000;
    const j = journal;
    const status = (line: string) => (o.status ?? o.log)?.(maskSecrets(line, o.secrets ?? []));
    const r: Run = { o, j, stateDir, lock, log, status, contactUntil: () => Date.now() + contact, backupOutput: new Map() };
    started(r);
    await walk(r);
    j.status = "done";
    const versionAtEnd = await finishRun(r, probe?.command);
    return { reached: o.plan.to, resumedRun, ...(versionAtEnd ? { versionAtEnd } : {}) };
  } finally {
    // the run's timeline, also when it failed: the controller keeps a copy for the report
    if (journal && o.onFinish) {
      try {
        o.onFinish(journal);
      } catch (e) {
        log(`could not keep the run's timeline: ${(e as Error).message}`);
      }
    }
    // best effort: after a host that never came back, the lock goes stale on its own
    await lock.release().catch((e) => log(`could not release the lock: ${(e as Error).message}`));
  }
}

/**
 * What the journal on the host says about this resource, decided before anything runs: nothing
 * pending (undefined), or a running journal that names exactly `o.plan` (resume it). A failed
 * restore refuses every run until the operator clears it; a journal for another plan is refused.
 */
async function settleJournal(o: ExecuteOptions, stateDir: string, j: Journal | undefined, log: (l: string) => void, lock: HostLock): Promise<Journal | undefined> {
  if (!j) return undefined;
  const file = `${o.host.label}:${journalPath(stateDir, o.resource)}`;
  const clear = async (why: string, suffix: string) => {
    await archiveJournal(o.host, stateDir, o.resource, j.run, lock.fence, suffix);
    log(`cleared run ${j.run} (${why}) as asked by clearRun; its journal is in ${stateDir}/history`);
    return undefined;
  };
  if (j.status === "restore-failed") {
    if (o.clearRun === j.run) return clear("its restore had failed", ".cleared");
    throw restorePending(file, j);
  }
  if (j.status !== "running") {
    // a finished run killed between its last write and the archive
    await archiveJournal(o.host, stateDir, o.resource, j.run, lock.fence);
    return undefined;
  }
  if (o.clearRun === j.run) return clear("interrupted, abandoned", ".abandoned");
  const digest = planDigest(o.plan);
  if (j.product !== o.plan.product || j.from !== o.plan.from || j.to !== o.plan.to || j.planDigest !== digest || j.steps !== o.plan.steps.length) {
    throw new UpchainError(
      "JOURNAL_INVALID",
      `the journal ${file} names interrupted run ${j.run} (${j.product} ${j.from} -> ${j.to}, plan ${j.planDigest.slice(0, 12)}), but from this stack ` +
        `that chain plans as ${o.plan.product} ${o.plan.from} -> ${o.plan.to}, plan ${digest.slice(0, 12)}: the stack's options or releases changed ` +
        `since the run was interrupted, or the file was altered. upchain resumes only the exact plan it started, and nothing was run. ` +
        `Put the stack back as it was for that run; or, after checking the host by hand, set clearRun: "${j.run}" on this server to abandon the run.`,
    );
  }
  return j;
}

/** The version probe the run checks the host with: the catalog's, else the site's; only a POSIX one runs. */
function shProbe(o: ExecuteOptions): VersionProbe | undefined {
  const probe = o.catalog.probeVersion?.(o.ctx) ?? o.versionProbe;
  return probe?.shell === "sh" ? probe : undefined;
}

/** What the probe answered: its exit status and stdout. */
type ProbeAnswer = { code: number | null; stdout: string };

/**
 * The plan was made before the lock was taken: if another run changed the server meanwhile (it held
 * the lock while this one waited), the plan no longer starts from what is installed.
 */
async function assertStillAt(o: ExecuteOptions, read?: ProbeAnswer): Promise<void> {
  if (!o.plan.hops.length) return;
  // without a probe (the version is the state's), the lock alone keeps runs apart
  const probe = shProbe(o);
  if (!probe) return;
  const r = read ?? (await o.host.exec(probe.command, { sudo: true }));
  const now = o.catalog.scheme.normalize(probedVersion(probe, r.stdout));
  if (r.code === 0 && now === o.plan.from) return;
  throw new UpchainError(
    "LOCKED",
    `${o.host.label}: another upchain run changed ${o.resource} while this run waited for its lock: the plan starts from ${o.plan.from}, ` +
      `but the server now reports ${now ?? JSON.stringify(r.stdout.trim().slice(0, 40))}. Nothing was run; run pulumi up again to plan from what is there now.`,
  );
}

/**
 * A resumed run goes on only on a host that is on one side or the other of the hop its journal points
 * at (or between them: a suite updated module by module, a vendor's intermediate state). A host past
 * the hop's target, or behind its source, was changed by someone else since, say a run that lost its
 * lock and finished the chain, or a person: resuming would redo a finished hop and "restore" it over
 * a newer version. A version that cannot be read (a product stopped mid-hop) says nothing either way.
 */
async function assertOnHop(o: ExecuteOptions, j: Journal, read?: ProbeAnswer): Promise<void> {
  const step = o.plan.steps[Math.min(j.inFlight?.index ?? j.next, o.plan.steps.length - 1)];
  const hop = step && o.plan.hops.find((h) => `${h.from}->${h.to}` === step.hop);
  const probe = shProbe(o);
  if (!hop || !probe) return;
  const r = read ?? (await o.host.exec(probe.command, { sudo: true }).catch(() => undefined));
  const now = r?.code === 0 ? o.catalog.scheme.normalize(probedVersion(probe, r.stdout)) : undefined;
  if (now === undefined || (o.catalog.scheme.compare(now, hop.from) >= 0 && o.catalog.scheme.compare(now, hop.to) <= 0)) return;
  throw new UpchainError(
    "JOURNAL_INVALID",
    `${o.host.label}: the journal names interrupted run ${j.run} at hop ${hopName(o.catalog, o.plan, step.hop)}, but the server now reports ${now}, ` +
      `on neither side of that hop: something else changed it since (a run that lost its lock, or a person). Resuming would redo a hop the server is not on, ` +
      `so nothing was run. Check the server by hand; then set clearRun: "${j.run}" on this server to abandon that run, and run pulumi up again to plan from ${now}.`,
  );
}

export function restorePending(file: string, j: Journal): UpchainError {
  const f = j.failure;
  return new UpchainError(
    "RESTORE_FAILED",
    `the journal ${file} records that run ${j.run} failed at ${f ? `step ${f.step} of hop ${f.hop}` : "a step"} and that restoring the hop's restore point ` +
      `failed too${f ? ` (${f.why})` : ""}. The restore point is kept: ${f?.restorePoint ?? "see the hop's backup step"}. upchain runs nothing on this ` +
      `server until you have restored it by hand and set clearRun: "${j.run}" on this server (then remove it again).`,
  );
}

/** The journal's last state (done, restored, stopped) written and moved to the history, in one round trip. */
async function closeJournal(r: Run): Promise<void> {
  await withContact(r.o.host, async () => (await writeAndArchiveJournal(r.o.host, r.stateDir, r.o.resource, r.j, r.lock.fence), true), { until: r.contactUntil(), ownErrors: true, lost: journalNotWritten(r.o.host, "writing and archiving the journal") });
}

/** A run that succeeded: its journal "done" and archived, the lock released and the version read, in one round trip (runEnd.ts). */
async function finishRun(r: Run, probe: string | undefined): Promise<{ code: number; stdout: string } | undefined> {
  const end = await withContact(r.o.host, async () => endRun(r.o.host, r.stateDir, r.o.resource, r.j, r.lock, probe), { until: r.contactUntil(), ownErrors: true, lost: journalNotWritten(r.o.host, "writing and archiving the journal") });
  return end.version;
}

async function saveJournal(r: Run): Promise<void> {
  await withContact(r.o.host, async () => (await writeJournal(r.o.host, r.stateDir, r.o.resource, r.j, r.lock.fence), true), { until: r.contactUntil(), ownErrors: true, lost: journalNotWritten(r.o.host, "writing the journal") });
}

/** Errors that stop the run with nothing restored (see walk). */
const STOP_AS_IS: UpchainErrorCode[] = ["LOCK_LOST", "LOCKED", "OUTCOME_UNKNOWN", "INSTALL_MAY_STILL_RUN", "JOURNAL_INVALID"];

async function walk(r: Run): Promise<void> {
  const { o, j } = r;
  const steps = o.plan.steps;
  while (j.next < steps.length) {
    r.lock.assertHeld();
    const index = j.next;
    const step = steps[index];
    if ((index === 0 || steps[index - 1].hop !== step.hop) && o.stop?.requested()) await stopBetweenHops(r, step.hop);
    const hopSteps = steps.filter((s) => s.hop === step.hop);
    const position = `[${hopName(o.catalog, o.plan, step.hop)} ${hopSteps.indexOf(step) + 1}/${hopSteps.length}]`;
    let outcome: StepOutcome;
    const entry: TimelineEntry = { kind: "step", step: index, start: new Date().toISOString() };
    j.timeline.push(entry);
    if (r.hopStarted?.hop !== step.hop) r.hopStarted = { hop: step.hop, at: Date.now() };
    const progress = stepProgress({ position, log: r.status, everyMs: o.progressEveryMs, mask: (text) => maskSecrets(text, o.secrets ?? []) });
    try {
      outcome = await runOrResume(r, step, index, position, progress.output);
    } catch (e) {
      // A lost lock, an unknown outcome, a vendor's install that may still run or an untrusted journal
      // stop the run as they are: restoring now could undo a step that is still running, or race another run.
      // LOCKED: a reboot refused to restart the machine under another run's step (machineRuns.ts)
      if (STOP_AS_IS.some((c) => isUpchainError(e, c))) {
        progress.end(false);
        throw e;
      }
      // Anything else thrown inside the step (an upload, an edit, a launch, a reboot that never
      // came back) is the step failing: it goes through the same restore and recovery.
      outcome = { code: -1, stdout: "", stderr: (e as Error).message };
    }
    entry.end = new Date().toISOString();
    entry.outcome = outcome === "lost" ? "lost" : outcome.code === 0 ? "ok" : "failed";
    const failed = outcome === "lost" || outcome.code !== 0;
    // A hop whose verify steps all passed is upgraded and live: what comes after the last of them (an
    // optional backup, a setting put back) must never restore the old version over it. It warns and
    // the run goes on. A verify step that fails (the site's version check after the document's) restores.
    const lastVerify = hopSteps.map((s) => s.action).lastIndexOf("verify");
    const afterVerify = failed && lastVerify >= 0 && hopSteps.indexOf(step) > lastVerify;
    if (afterVerify) entry.outcome = "warned";
    progress.end(entry.outcome === "ok");
    // a lasting line per hop, in the summary Pulumi prints at the end
    if (afterVerify) warnAfterVerify(r, step, outcome);
    if ((entry.outcome === "ok" || entry.outcome === "warned") && hopSteps.indexOf(step) === hopSteps.length - 1 && r.hopStarted) {
      const warned = j.timeline.filter((e) => e.kind === "step" && e.outcome === "warned" && steps[Number(e.step)]?.hop === step.hop).length;
      r.log(`[${hopName(o.catalog, o.plan, step.hop)}] done in ${elapsedText(Date.now() - r.hopStarted.at)} (${hopSteps.length} steps${warned ? `, ${warned} with a warning` : ""})`);
    }
    if (failed && !afterVerify) await failHop(r, step, outcome);
    if (step.action === "backup" && outcome !== "lost") r.backupOutput.set(step.hop, outcome.stdout);
    j.next = index + 1;
    j.inFlight = undefined;
    // a step launched detached writes the journal in its launch: "next" rides with it, one round trip
    // less per step; after the last step, "done" is written next. Killed before that write, the journal
    // still names this step in flight, and the next run reads how it ended from its folder, as for any
    // step in flight.
    if (index + 1 < steps.length && !writesJournalAtLaunch(steps[index + 1])) await saveJournal(r);
  }
}

/** Whether the step is launched detached (runOrResume's last case), its launch writing the journal that names it. */
function writesJournalAtLaunch(step: PlannedStep | undefined): boolean {
  return step !== undefined && !["reboot", "pool", "http", "upload", "edit", "services-add"].includes(step.action);
}

/**
 * A step after the hop's successful verify failed: a lasting log line that names the step, says the
 * new version stays and what to do by hand. The timeline already records it as "warned".
 */
function warnAfterVerify(r: Run, step: PlannedStep, outcome: StepOutcome): void {
  const { o } = r;
  const hop = o.plan.hops.find((h) => `${h.from}->${h.to}` === step.hop)!;
  const what = outcome === "lost" ? "died without an exit status" : outcome.code === -1 ? "could not be carried out" : `exited ${outcome.code}`;
  // one line: a log line that stays readable in Pulumi's diagnostics
  const why = outcome === "lost" ? "" : tail(outcome.stderr, 300).trim().replace(/\s*\n\s*/g, " / ");
  r.log(
    maskSecrets(
      `[${hopName(o.catalog, o.plan, step.hop)}] WARNING: step "${step.title}" (${step.id}) ${what}${why ? ` (${why})` : ""} after the hop's verify passed; ` +
        `${hop.to} stays installed, nothing was rolled back; check that its services run. Do this step by hand: ${step.title}.`,
      o.secrets ?? [],
    ),
  );
}

/** The operator asked to stop and the hop before `nextHop` has ended (or none started): end the run here. */
async function stopBetweenHops(r: Run, nextHop: string): Promise<never> {
  const { o, j } = r;
  const done = o.plan.hops[o.plan.hops.findIndex((h) => `${h.from}->${h.to}` === nextHop) - 1];
  j.status = "stopped";
  // nothing is left to resume: the next run plans afresh from the version the host runs
  await closeJournal(r);
  throw new UpchainError(
    "STOPPED",
    stoppedBetweenHops({ label: o.host.label, done: done && hopName(o.catalog, o.plan, `${done.from}->${done.to}`), reached: done?.to ?? o.plan.from, next: hopName(o.catalog, o.plan, nextHop), to: o.plan.to }),
  );
}

/** `out` takes the step's output as it arrives (engine/progress.ts passes it on throttled). */
async function runOrResume(r: Run, step: PlannedStep, index: number, position: string, out: (text: string) => void): Promise<StepOutcome> {
  const { o, j } = r;
  const dir = stepDir(r.stateDir, j.run, index, step.id);
  if (step.action === "reboot") {
    r.status(`${position} ${step.title}`);
    return reboot(r, step, index, dir);
  }
  if (step.action === "pool") {
    // on the balancer, not this host; idempotent, so a resumed run simply does it again
    r.status(`${position} ${step.title}`);
    if (!o.pools) return { code: 1, stdout: "", stderr: "this step acts on a load balancer, and none was given to this server" };
    // the lock's check on the host and the balancer's connection side by side: the step follows the
    // one before it as closely as it can (the last old member's stop, then the upgraded members' return)
    const pools = o.pools();
    pools.catch(() => undefined); // awaited below, after the lock's verdict, which comes first
    await stillMine(r, `step "${step.title}"`);
    const result = await applyPools(await pools, step, Date.now() + stepDeadline(step, o.stepTimeouts) * 1000);
    out(result.stdout);
    return result;
  }
  if (step.action === "http") {
    // the portal's own page says whether it is done, and that is checked first: a resumed run does it
    // again. The step reads the page through a dropped link itself: retrying it whole here could
    // press again while the install its lost answer started still runs.
    r.status(`${position} ${step.title}`);
    const deadlineMs = stepDeadline(step, o.stepTimeouts) * 1000;
    await stillMine(r, `step "${step.title}"`);
    return runHttpStep(o.host, step, { deadlineMs, log: (line) => out(`${line}\n`), beforeAttempt: () => r.lock.assertHeld(), contactTimeoutMs: o.contactTimeoutMs, pollMs: o.pollMs });
  }
  const inFlight = j.inFlight?.index === index;
  if (step.action === "upload" || step.action === "edit" || step.action === "services-add") {
    // carried out by the executor itself, idempotently: a resumed run simply does it again
    r.status(`${position} ${step.title}`);
    // every command and write of the step is fenced: a run that lost its lock changes no file
    const h = fencedHost(o.host, r.lock.fence);
    const doIt = () => (step.action === "upload" ? upload(h, step) : step.action === "edit" ? edit(h, step, j.run) : servicesAdd(h, step, j.run));
    return withContact(o.host, doIt, { until: r.contactUntil(), ownErrors: true, lost: ownStepCut(o.host, step.title) });
  }
  const wait = () =>
    waitForStep(o.host, dir, { pollMs: o.pollMs ?? 500, onOutput: out, beforePoll: () => r.lock.assertHeld(), deadlineSeconds: stepDeadline(step, o.stepTimeouts), contactTimeoutMs: o.contactTimeoutMs, what: `step "${step.title}" ran`, fence: r.lock.fence, beat: r.lock.ridingBeat, outputEverySeconds: (o.progressEveryMs ?? 10_000) / 1000 });
  if (inFlight) {
    // The previous run started this step and did not see it end: find out, never re-run it blindly.
    r.log(`${position} ${step.title}: in flight when the last run was interrupted; finding out how it ended`);
    const left = await wait();
    if (left !== "not-started") {
      r.log(`${position} ${step.title}: left running by the interrupted run; waited for it`);
      return left;
    }
    r.log(`${position} ${step.title}: the interrupted run never launched it; running it now`);
  } else {
    r.status(`${position} ${step.title}`);
  }
  // The journal names the step before it starts, so a run killed now knows where to look: the
  // launch's own script writes and syncs it first, and starts nothing when it cannot (detached.ts)
  j.inFlight = { index };
  await launch(r, dir, step, true);
  const result: WaitResult = await wait();
  return result === "not-started" ? "lost" : result; // launched by this run: no pid means it died at once
}

/**
 * A pool step (the balancer's admin socket) and an http step (the portal, through a tunnel) change
 * things no script on this host can carry out, so their change cannot be fenced in its own script.
 * They are preceded by the guard's check on the host, one round trip before: it does not close the
 * window as the fence does, but narrows it from a heartbeat period to one round trip.
 */
async function stillMine(r: Run, what: string): Promise<void> {
  r.lock.assertHeld();
  // the journal write just before proved it on the host: a take-over needs a lock gone stale for
  // lockTimeoutSeconds, so a proof this fresh is as good as another round trip, which would only
  // lengthen the handover (the last old member's stop, then the upgraded members' return)
  const proved = r.lock.fence.provedAt;
  if (proved !== undefined && Date.now() - proved < FRESH_PROOF_MS) return;
  r.lock.fence.check(await r.o.host.exec(r.lock.fence.script(":"), { sudo: true }), what);
}

/** How old the host's last word that the lock is this run's may be for a pool or http step to go on without asking again. */
export const FRESH_PROOF_MS = 2000;

/**
 * Start the step; a launch cut off by a dropped connection is checked, and repeated only when it did
 * not happen. `withJournal`: the journal as it stands is written first, in the launch's own script.
 */
async function launch(r: Run, dir: string, step: PlannedStep, withJournal = false): Promise<void> {
  const { o } = r;
  const script = step.commands.join("\n");
  const journal = () => (withJournal ? journalWrite(r.stateDir, o.resource, r.j) : undefined);
  try {
    await startDetached(o.host, dir, script, o.env, r.lock.fence, journal());
    return;
  } catch (e) {
    if (isUpchainError(e) && e.code !== "CONNECTION_FAILED") throw e;
  }
  await withContact(
    o.host,
    async () => {
      const s = await stepState(o.host, dir);
      if (s === undefined) return undefined;
      if (s.state === "not-started") await startDetached(o.host, dir, script, o.env, r.lock.fence, journal());
      return true;
    },
    { until: r.contactUntil(), lost: stepMayHaveStarted(o.host, `starting step "${step.title}"`) },
  );
}

async function reboot(r: Run, step: PlannedStep & RebootStep, index: number, dir: string): Promise<StepOutcome> {
  const { o, j } = r;
  const resumed = j.inFlight?.index === index ? j.inFlight.marker : undefined;
  return rebootAndWait({
    host: o.host,
    step,
    dir,
    markerBefore: resumed,
    remember: async (marker) => {
      j.inFlight = { index, marker };
      await saveJournal(r);
    },
    holdLock: (until) => r.lock.holdUntil(until),
    fence: r.lock.fence,
    // no restart under another run's step: waited for as long as the reboot may take, then refused
    othersSettled: () => othersSettled(o.host, r.stateDir, j.run, step.timeoutSeconds, "restarts nothing", (line) => r.log(`[${hopName(o.catalog, o.plan, step.hop)}]   ${line}`)),
    log: (line) => r.log(`[${hopName(o.catalog, o.plan, step.hop)}]   ${line}`),
  });
}

/**
 * Bring the hop's restore point back (when anything destructive ran), then run the catalog's
 * recovery steps (settings to put back, services to start), then report the failed step with its
 * output. Recovery runs even when nothing was changed; after a failed restore only the steps marked
 * `always` run (putting a setting back is safe, starting half-restored services is not), and the
 * journal keeps the failure so that no later run touches the server until the operator clears it.
 */
async function failHop(r: Run, step: PlannedStep, outcome: StepOutcome): Promise<never> {
  const { o, j, log } = r;
  const hop = o.plan.hops.find((h) => `${h.from}->${h.to}` === step.hop)!;
  const hopSteps = o.plan.steps.filter((s) => s.hop === step.hop);
  const changedSomething = hopSteps.slice(0, hopSteps.indexOf(step) + 1).some((s) => s.destructive);
  const what = outcome === "lost" ? "died without an exit status (its process is gone)" : outcome.code === -1 ? "could not be carried out" : `exited ${outcome.code}`;
  const output = outcome === "lost" ? "" : `\n--- stdout ---\n${quotedBlock(tail(outcome.stdout))}\n--- stderr ---\n${quotedBlock(tail(outcome.stderr))}`;
  const mask = (s: string) => maskSecrets(s, o.secrets ?? []);
  const failedStep = `${o.host.label}: step "${step.title}" (${step.id}) of hop ${hopName(o.catalog, o.plan, step.hop)} ${what}`;
  const restore = changedSomething ? o.catalog.restoreSteps(hop, o.ctx) : [];
  const recover = o.catalog.recoverSteps?.(hop, o.ctx) ?? [];
  if (restore.length || recover.length) log(`[${hopName(o.catalog, o.plan, step.hop)}] step ${step.id} ${what}; bringing ${hop.from} back`);
  // A step that failed by taking the connection down (a reboot that never came back) leaves none.
  // Nothing can be restored on a machine that cannot be reached, and its journal cannot be written:
  // it still names the step, so the next run, once the machine is back, finds out how it ended.
  if (!(await reachable(o.host))) {
    const rebooting = step.action === "reboot";
    throw new UpchainError(
      rebooting ? "HOST_DID_NOT_RETURN" : "OUTCOME_UNKNOWN",
      mask(
        rebooting
          ? `${o.host.label}: step "${step.title}" (${step.id}) of hop ${step.hop} restarted the machine, and it did not come back within ` +
              `${Number(step.timeoutSeconds ?? 900)}s (${tail(outcome === "lost" ? "" : outcome.stderr, 500).replace(/^[^:]*: /, "")}). Nothing could be restored on a ` +
              `machine that cannot be reached. Once it is back, run pulumi up again: the journal on the host resumes the chain after the reboot, ` +
              `or brings ${hop.from} back if the machine never restarted.`
          : `${failedStep}, and the host could not be reached again to restore it. Once it can, run pulumi up again: the journal on the host ` +
              `still names the step, and the next run restores the hop.`,
      ),
    );
  }
  await settleInstalls(r, hopSteps.slice(0, hopSteps.indexOf(step) + 1)).catch((e) => {
    throw isUpchainError(e, "INSTALL_MAY_STILL_RUN") ? new UpchainError(e.code, mask(`${failedStep}. Before restoring the hop: ${e.message}${output}`), [], { cause: maskedError(e, mask) }) : e;
  });
  let restoreError: string | undefined;
  for (const s of restore) {
    restoreError = await timed(r, "restore", s, () => runAside(r, s));
    if (restoreError) break;
  }
  const recoverErrors: string[] = [];
  for (const s of recover.filter((s) => !restoreError || s.always)) {
    const e = await timed(r, "recover", s, () => runAside(r, s));
    if (e) recoverErrors.push(`"${s.title}" failed (${e})`);
  }
  if (restoreError) {
    const restorePoint = await restorePointOf(r, step.hop);
    j.status = "restore-failed";
    j.failure = { hop: step.hop, step: `"${step.title}" (${step.id})`, restorePoint: mask(restorePoint), why: mask(restoreError).slice(0, 1000) };
    const saved = await saveJournal(r).then(
      () => "",
      (e) => {
        if (isUpchainError(e, "LOCK_LOST")) throw e;
        return ` (and the journal could not be written: ${(e as Error).message})`;
      },
    );
    throw new UpchainError(
      "RESTORE_FAILED",
      mask(
        `${failedStep}, and restoring the backup failed too (${restoreError}). The restore point is kept on the host: ${restorePoint}${saved}. ` +
          `Restore it by hand; every later run on this server is refused until you set clearRun: "${j.run}" on it.${output}`,
      ),
    );
  }
  j.status = "restored";
  await closeJournal(r);
  if (recoverErrors.length) {
    // the journal says `restored` and the next run proceeds: not RESTORE_FAILED, whose promise is the opposite
    const back = changedSomething ? `the backup was restored, so the server is back on ${hop.from}` : `nothing had been changed yet, so the server is still on ${hop.from}`;
    throw new UpchainError(
      "RESTORED_NOT_IN_SERVICE",
      mask(
        `${failedStep}; ${back}, but not in service: ${recoverErrors.join("; ")}. Start ${hop.from} by hand (what those steps do), ` +
          `then run pulumi up again: the journal records the hop as restored, so the next pulumi up retries hop ${hopName(o.catalog, o.plan, step.hop)} from ${hop.from}.${output}`,
      ),
    );
  }
  const restored = changedSomething
    ? `the host was restored to ${hop.from} and is running it`
    : recover.length
      ? `nothing had been changed yet, and ${hop.from} was put back in service`
      : "nothing had been changed yet, so nothing was restored";
  // what to do next: the chain goes on from the version the server runs now
  const next = ` Fix what the step's output below shows and run pulumi up again: the chain goes on from ${hop.from}.`;
  throw new UpchainError("STEP_FAILED", mask(`${failedStep}; ${restored}.${next}${output}`));
}

/**
 * Nothing is restored or restarted while a vendor's install that a press of this hop started may still
 * run: each such portal's page is read, and waited for while it shows an install running. When it
 * cannot be read, or still installs at the step's deadline, INSTALL_MAY_STILL_RUN stops the run with
 * nothing restored; the journal still names the failed step, and the next run starts by reading again.
 */
async function settleInstalls(r: Run, ran: PlannedStep[]): Promise<void> {
  const { o } = r;
  for (const s of ran.filter((s) => s.action === "http")) {
    await portalSettled(o.host, s, {
      deadlineMs: stepDeadline(s, o.stepTimeouts) * 1000,
      log: (line) => r.log(`[${hopName(o.catalog, o.plan, s.hop)}] ${line.trim()}`),
      beforePoll: () => r.lock.assertHeld(),
      contactTimeoutMs: o.contactTimeoutMs,
      pollMs: o.pollMs,
    });
  }
}

/** Run a restore or recovery step with its entry in the journal's timeline; its error text, or undefined. */
async function timed(r: Run, kind: "restore" | "recover", s: Step, fn: () => Promise<string | undefined>): Promise<string | undefined> {
  const entry: TimelineEntry = { kind, step: s.id, start: new Date().toISOString() };
  r.j.timeline.push(entry);
  const error = await fn();
  entry.end = new Date().toISOString();
  entry.outcome = error ? "failed" : "ok";
  return error;
}

/**
 * Where the hop's restore point is, for the operator: the backup step's folder when the catalog names
 * one, else the last line its backup printed (bare or labelled "restore point: <archive>"), from this
 * run or, for a resumed run, from the step's output kept on the host (shown printable and short).
 */
async function restorePointOf(r: Run, hop: string): Promise<string> {
  const steps = r.o.plan.steps;
  const index = steps.findIndex((s) => s.hop === hop && s.action === "backup");
  if (index < 0) return "none was taken";
  const backup = steps[index];
  if (backup.action === "backup" && backup.backupDir) return backup.backupDir;
  const output =
    r.backupOutput.get(hop) ?? (await readResult(r.o.host, stepDir(r.stateDir, r.j.run, index, backup.id), 0).then((res) => res.stdout, () => ""));
  const printed = output.trim().split("\n").pop()?.replace(/^restore point:\s*/i, "").replace(/[^\x20-\x7e]/g, "?").slice(0, 300);
  return printed || `made by "${backup.title}"`;
}

/** Whether the host answers now, reconnecting for up to 30 s when the connection is gone. */
async function reachable(host: RemoteHost): Promise<boolean> {
  const answers = () => host.exec("true").then((r) => r.code === 0, () => false);
  if (await answers()) return true;
  if (!host.reconnect) return false;
  return host.reconnect({ deadline: Date.now() + 30_000 }).then(answers, () => false);
}

/**
 * Run a restore or recovery step to its end; its error text, or undefined when it succeeded. A copy
 * an interrupted run of the same journal left (same folder) is never run over: one still running is
 * waited for and one that finished gives the verdict, so two restores never overlap and a restore
 * never runs twice. Only a copy that never started, or whose process died without an exit status (a
 * restart of the machine), is run again: a restore starts from the restore point, whatever it finds.
 */
async function runAside(r: Run, s: Step): Promise<string | undefined> {
  const { o } = r;
  const dir = `${r.stateDir}/runs/${r.j.run}/restore-${s.id}`;
  if (s.action === "pool") {
    // the balancer, not this host: put the member back in its pools (idempotent)
    if (!o.pools) return "this step acts on a load balancer, and none was given to this server";
    // the balancer's connection made while the lock is checked; a lost lock is thrown, a balancer's failure is the step's
    const pools = o.pools();
    pools.catch(() => undefined);
    await stillMine(r, `restore step "${s.title}"`);
    try {
      const res = await applyPools(await pools, s, Date.now() + stepDeadline(s, o.stepTimeouts) * 1000);
      for (const line of res.stdout.trimEnd().split("\n")) r.log(`  ${line}`);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }
  const wait = () => waitForStep(o.host, dir, { pollMs: o.pollMs ?? 500, beforePoll: () => r.lock.assertHeld(), deadlineSeconds: stepDeadline(s, o.stepTimeouts), contactTimeoutMs: o.contactTimeoutMs, what: `restore step "${s.title}" ran`, fence: r.lock.fence, beat: r.lock.ridingBeat });
  const verdict = (res: DetachedResult) => (res.code === 0 ? undefined : `exited ${res.code}: ${tail(res.stderr.trim() || res.stdout.trim(), 1000)}`);
  try {
    const earlier = await withContact(o.host, () => stepState(o.host, dir), { until: r.contactUntil(), lost: stepMayStillRun(o.host, `checking restore step "${s.title}"`) });
    if (earlier.state === "running" || earlier.state === "finished") {
      const left = await wait();
      if (left !== "lost" && left !== "not-started") {
        r.log(`restore step "${s.title}" was ${earlier.state === "running" ? "left running" : "finished"} by the interrupted run; ${earlier.state === "running" ? "waited for it, " : ""}not run again`);
        return verdict(left);
      }
      r.log(`restore step "${s.title}" of the interrupted run died without an exit status; running it again from the restore point`);
    }
    await launch(r, dir, { ...s, hop: "" });
    const res = await wait();
    if (res === "lost" || res === "not-started") return res === "lost" ? "it died without an exit status" : "it did not start";
    return verdict(res);
  } catch (e) {
    if (isUpchainError(e, "LOCK_LOST")) throw e;
    return (e as Error).message;
  }
}
