// The executor walks a plan through a RemoteHost: a lock, a journal, a backup before anything
// destructive, each step run by its action's runner (stepRunners.ts), a check after each hop, and the
// hop's restore point brought back when a step fails (hopFailure.ts). It makes no planning decision of
// its own, and it takes nothing from the host but data: the plan always comes from the controller (journal.ts).
import { UpchainError, UpchainErrorCode, isUpchainError, maskSecrets } from "../../errors";
import { elapsedText, stepProgress } from "./progress";
import { sweepStepEnv } from "./detached";
import { outcomeText, tail } from "./failureReport";
import { failHop } from "./hopFailure";
import { Journal, TimelineEntry, newRunId, newJournal, stepDir } from "./journal";
import { hostJournalStore } from "./journalStore";
import { acquireLock } from "./lock";
import { endRun } from "./runEnd";
import { readRunStart } from "./runStart";
import { othersSettled } from "./machineRuns";
import { PlannedStep, hopLabel, hopName } from "../planning/planner";
import { assertOnHop, assertStillAt, settleJournal, shProbe } from "./resumeChecks";
import { ExecuteOptions, Run, StepOutcome } from "./run";
import { runnerFor } from "./stepRunners";
import { withContact } from "../../transport/contact";
import { journalNotWritten } from "./contactLost";
import { stopAcknowledged, stoppedBetweenHops } from "./stopSignal";

export type { ExecuteOptions } from "./run";
export { restorePending } from "./resumeChecks";
export { DEFAULT_STEP_SECONDS, stepDeadline } from "./stepDeadline";

export interface ExecuteResult {
  /** The version the host is at when the run ends. */
  reached: string;
  /** Set when this run finished a plan an interrupted run had started. */
  resumedRun?: string;
  /** What the version probe answered in the run's last exec (runEnd.ts), after the release: host data, unchecked. */
  versionAtEnd?: { code: number; stdout: string };
}

/** Where journals, locks and step output live on a host. */
export const DEFAULT_STATE_DIR = "/var/lib/upchain";

export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const id = newRunId();
  const log = (line: string) => options.log?.(maskSecrets(line, options.secrets ?? []));
  const foreign = options.plan.steps.find((s) => s.shell !== "sh");
  if (foreign) {
    // the refusal stays until the run's own machinery has a Windows form: said plainly, with the way on
    const { product, from, to } = options.plan;
    throw new UpchainError(
      "UNSUPPORTED_PLATFORM",
      `step ${foreign.id} is a PowerShell step, and this version of upchain runs no step on Windows: the run's journal, its lock and the runner of its ` +
        `detached steps are POSIX sh, so nothing was sent to the host. The plan preview rendered is the runbook: print every step's PowerShell, ` +
        `with the restore steps to run if one fails before the hop's last verify, with \`upchain plan ${product} --from ${from} --to ${to} --platform windows ` +
        `--options <the server's options as a JSON file>\`, and carry them out on the server in order.`,
    );
  }
  let current: Run | undefined;
  // said at once, while the hop goes on: the operator must not wonder whether Ctrl-C was heard
  const unsubscribe = options.stop?.onRequest(() => {
    const hop = current?.hopStarted?.hop;
    const next = options.plan.hops.map(hopLabel).find((_, i, keys) => i > 0 && keys[i - 1] === hop);
    log(stopAcknowledged(hop && hopName(options.catalog, options.plan, hop), next && hopName(options.catalog, options.plan, next)));
  });
  try {
    return await executeLocked(options, stateDir, id, log, (run) => (current = run));
  } finally {
    unsubscribe?.();
  }
}

async function executeLocked(
  options: ExecuteOptions,
  stateDir: string,
  id: string,
  log: (line: string) => void,
  started: (run: Run) => void,
): Promise<ExecuteResult> {
  const stale = options.lockStaleSeconds ?? 120;
  const lock = await acquireLock(options.host, stateDir, options.resource, id, stale, undefined, log);
  if (lock.tookOverFrom) log(`took over the lock of run ${lock.tookOverFrom}, whose heartbeat had stopped`);
  const store = hostJournalStore(options.host, stateDir, options.resource, lock.fence);
  let journal: Journal | undefined;
  try {
    // the first contact under the lock: old secrets files swept (steps killed before they read them, a host
    // that lost power), the journal, other runs' steps still running, the version, in one round trip
    const probe = options.plan.hops.length ? shProbe(options) : undefined;
    const start = await readRunStart(options.host, stateDir, options.resource, id, probe?.command).catch((e) => {
      if (isUpchainError(e, "JOURNAL_INVALID")) throw e;
      return undefined; // read one by one below
    });
    if (start?.sweepError) log(`could not remove old step secrets files: ${start.sweepError}`);
    if (!start) await sweepStepEnv(options.host, stateDir).catch((e) => log(`could not remove old step secrets files: ${(e as Error).message}`));
    let resumedRun: string | undefined;
    journal = await settleJournal(options, store, start ? start.journal : await store.read(), log);
    // a dead run of another journal may have left a step running: nothing starts beside it
    const ours = journal?.run ?? id;
    await othersSettled(options.host, stateDir, ours, stale, "starts nothing", log, undefined, start?.liveSteps);
    // the version read with the rest holds when nothing was waited for
    const version = start && !start.liveSteps.some((l) => l.split("/")[0] !== ours) ? start.version : undefined;
    if (journal) {
      resumedRun = journal.run;
      await assertOnHop(options, journal, version);
      // killed after its last step, before it wrote "done": nothing is left to run, only to finish
      log(
        journal.next < journal.steps
          ? `resuming run ${journal.run}: ${journal.from} -> ${journal.to}, at step ${journal.next + 1} of ${journal.steps}`
          : `finishing run ${journal.run}: ${journal.from} -> ${journal.to}, whose ${journal.steps} steps had all run`,
      );
    } else {
      await assertStillAt(options, version);
      journal = newJournal(id, options.plan);
      // a first step launched detached writes the new journal in its launch (naming it in flight); a
      // run killed before that left nothing to resume, and plans afresh
      if (!writesJournalAtLaunch(options, options.plan.steps[0])) await store.write(journal);
    }
    const status = (line: string) => (options.status ?? options.log)?.(maskSecrets(line, options.secrets ?? []));
    const run = newRun({ options, journal, store, stateDir, lock, log, status, backupOutput: new Map() }, options.contactTimeoutMs ?? 120_000);
    started(run);
    await walk(run);
    journal.status = "done";
    const versionAtEnd = await finishRun(run, probe?.command);
    return { reached: options.plan.to, resumedRun, ...(versionAtEnd ? { versionAtEnd } : {}) };
  } finally {
    // the run's timeline, also when it failed: the controller keeps a copy for the report
    if (journal && options.onFinish) {
      try {
        options.onFinish(journal);
      } catch (e) {
        log(`could not keep the run's timeline: ${(e as Error).message}`);
      }
    }
    // best effort: after a host that never came back, the lock goes stale on its own
    await lock.release().catch((e) => log(`could not release the lock: ${(e as Error).message}`));
  }
}

/** Errors that stop the run with nothing restored (see walk). */
const STOP_AS_IS: UpchainErrorCode[] = ["LOCK_LOST", "LOCKED", "OUTCOME_UNKNOWN", "INSTALL_MAY_STILL_RUN", "JOURNAL_INVALID"];

/** Each step in turn, from where the journal says: run, judged, and the journal moved on; a failed hop restored. */
async function walk(run: Run): Promise<void> {
  const { options, journal } = run;
  const steps = options.plan.steps;
  while (journal.next < steps.length) {
    run.lock.assertHeld();
    const index = journal.next;
    const step = steps[index];
    if ((index === 0 || steps[index - 1].hop !== step.hop) && options.stop?.requested()) await stopBetweenHops(run, step.hop);
    if (run.hopStarted?.hop !== step.hop) run.hopStarted = { hop: step.hop, at: Date.now() };
    const { outcome, failed, afterVerify } = await runStep(run, step, index);
    if (failed && !afterVerify) await failHop(run, step, outcome);
    if (step.action === "backup" && outcome !== "lost") run.backupOutput.set(step.hop, outcome.stdout);
    journal.next = index + 1;
    journal.inFlight = undefined;
    // a step launched detached writes the journal in its launch: "next" rides with it, one round trip
    // less per step; after the last step, "done" is written next. Killed before that write, the journal
    // still names this step in flight, and the next run reads how it ended from its folder, as for any
    // step in flight.
    if (index + 1 < steps.length && !writesJournalAtLaunch(options, steps[index + 1])) await run.saveJournal();
  }
}

/** The step run by its action's runner, with its timeline entry and progress; how it ended, and whether that fails the hop. */
async function runStep(run: Run, step: PlannedStep, index: number): Promise<{ outcome: StepOutcome; failed: boolean; afterVerify: boolean }> {
  const { options, journal } = run;
  const label = hopName(options.catalog, options.plan, step.hop);
  const hopSteps = options.plan.steps.filter((s) => s.hop === step.hop);
  const position = `[${label} ${hopSteps.indexOf(step) + 1}/${hopSteps.length}]`;
  const entry: TimelineEntry = { kind: "step", step: index, start: new Date().toISOString() };
  journal.timeline.push(entry);
  const progress = stepProgress({ position, log: run.status, everyMs: options.progressEveryMs, mask: (text) => maskSecrets(text, options.secrets ?? []) });
  const runner = runnerFor(options.runners, step.action);
  let outcome: StepOutcome;
  try {
    if (runner.mode === "inline") run.status(`${position} ${step.title}`);
    const dir = stepDir(run.stateDir, journal.run, index, step.id);
    outcome = await runner.run(run, { step, index, dir, position, what: `step "${step.title}"`, out: progress.output });
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
  if (afterVerify) warnAfterVerify(run, step, outcome);
  if ((entry.outcome === "ok" || entry.outcome === "warned") && hopSteps.indexOf(step) === hopSteps.length - 1 && run.hopStarted) {
    const warned = journal.timeline.filter((e) => e.kind === "step" && e.outcome === "warned" && options.plan.steps[Number(e.step)]?.hop === step.hop).length;
    run.log(`[${label}] done in ${elapsedText(Date.now() - run.hopStarted.at)} (${hopSteps.length} steps${warned ? `, ${warned} with a warning` : ""})`);
  }
  return { outcome, failed, afterVerify };
}

/** Whether the step is launched detached, its launch writing the journal that names it (stepRunners.ts). */
function writesJournalAtLaunch(options: ExecuteOptions, step: PlannedStep | undefined): boolean {
  return step !== undefined && runnerFor(options.runners, step.action).mode === "launched";
}

/**
 * A step after the hop's successful verify failed: a lasting log line that names the step, says the
 * new version stays and what to do by hand. The timeline already records it as "warned".
 */
function warnAfterVerify(run: Run, step: PlannedStep, outcome: StepOutcome): void {
  const { options } = run;
  const hop = options.plan.hops.find((h) => hopLabel(h) === step.hop)!;
  const what = outcome === "lost" ? "died without an exit status" : outcomeText(outcome);
  // one line: a log line that stays readable in Pulumi's diagnostics
  const why =
    outcome === "lost"
      ? ""
      : tail(outcome.stderr, 300)
          .trim()
          .replace(/\s*\n\s*/g, " / ");
  run.log(
    maskSecrets(
      `[${hopName(options.catalog, options.plan, step.hop)}] WARNING: step "${step.title}" (${step.id}) ${what}${why ? ` (${why})` : ""} after the hop's verify passed; ` +
        `${hop.to} stays installed, nothing was rolled back; check that its services run. Do this step by hand: ${step.title}.`,
      options.secrets ?? [],
    ),
  );
}

/** The operator asked to stop and the hop before `nextHop` has ended (or none started): end the run here. */
async function stopBetweenHops(run: Run, nextHop: string): Promise<never> {
  const { options, journal } = run;
  const done = options.plan.hops[options.plan.hops.findIndex((h) => hopLabel(h) === nextHop) - 1];
  journal.status = "stopped";
  // nothing is left to resume: the next run plans afresh from the version the host runs
  await run.closeJournal();
  throw new UpchainError(
    "STOPPED",
    stoppedBetweenHops({
      label: options.host.label,
      done: done && hopName(options.catalog, options.plan, hopLabel(done)),
      reached: done?.to ?? options.plan.from,
      next: hopName(options.catalog, options.plan, nextHop),
      to: options.plan.to,
    }),
  );
}

/**
 * A pool step (the balancer's admin socket) and an http step (the portal, through a tunnel) change
 * things no script on this host can carry out, so their change cannot be fenced in its own script.
 * They are preceded by the guard's check on the host, one round trip before: it does not close the
 * window as the fence does, but narrows it from a heartbeat period to one round trip.
 */
async function stillMine(run: Run, what: string): Promise<void> {
  run.lock.assertHeld();
  // the journal write just before proved it on the host: a take-over needs a lock gone stale for
  // lockTimeoutSeconds, so a proof this fresh is as good as another round trip, which would only
  // lengthen the handover (the last old member's stop, then the upgraded members' return)
  const proved = run.lock.fence.provedAt;
  if (proved !== undefined && Date.now() - proved < FRESH_PROOF_MS) return;
  run.lock.fence.check(await run.options.host.exec(run.lock.fence.script(":"), { sudo: true }), what);
}

/** How old the host's last word that the lock is this run's may be for a pool or http step to go on without asking again. */
export const FRESH_PROOF_MS = 2000;

/** A run that succeeded: its journal "done" and archived, the lock released and the version read, in one round trip (runEnd.ts). */
async function finishRun(run: Run, probe: string | undefined): Promise<{ code: number; stdout: string } | undefined> {
  const { options } = run;
  const end = await withContact(options.host, async () => endRun(options.host, run.stateDir, options.resource, run.journal, run.lock, probe), {
    until: run.contactUntil(),
    ownErrors: true,
    lost: journalNotWritten(options.host, "writing and archiving the journal"),
  });
  return end.version;
}

/** The run's shared context; its journal writes retried through a dropped connection. */
function newRun(base: Omit<Run, "stillMine" | "saveJournal" | "closeJournal" | "contactUntil">, contactMs: number): Run {
  const { options, journal, store } = base;
  const retried = (what: string, write: () => Promise<unknown>) =>
    withContact(options.host, async () => (await write(), true), { until: run.contactUntil(), ownErrors: true, lost: journalNotWritten(options.host, what) });
  const run: Run = {
    ...base,
    contactUntil: () => Date.now() + contactMs,
    stillMine: (what) => stillMine(run, what),
    saveJournal: async () => void (await retried("writing the journal", () => store.write(journal))),
    closeJournal: async () => void (await retried("writing and archiving the journal", () => store.writeAndArchive(journal))),
  };
  return run;
}
