// A hop whose step failed: the hop's restore point brought back when anything destructive ran, the
// catalog's recovery steps run, and the run ended with what happened (failureReport.ts says it; this
// file only does the I/O). Nothing is restored on a host that cannot be reached, or while a vendor's
// install the hop started may still run.
import { UpchainError, isUpchainError, maskSecrets, maskedError } from "../../errors";
import { RemoteHost } from "../../transport/remoteHost";
import { Step } from "../planning/catalog";
import { DetachedResult, readResult, stepState } from "./detached";
import { FailedStep, HopFailure, failureReport, outcomeText, tail } from "./failureReport";
import { portalSettled } from "./httpStep";
import { TimelineEntry, stepDir } from "./journal";
import { launch } from "./launchedStep";
import { PlannedStep, hopLabel, hopName } from "../planning/planner";
import { Run, StepOutcome } from "./run";
import { stepDeadline } from "./stepDeadline";
import { runnerFor } from "./stepRunners";
import { waitForStep } from "./stepWait";
import { withContact } from "../../transport/contact";
import { stepMayStillRun } from "./contactLost";

/**
 * Bring the hop's restore point back (when anything destructive ran), then run the catalog's
 * recovery steps (settings to put back, services to start), then report the failed step with its
 * output. Recovery runs even when nothing was changed; after a failed restore only the steps marked
 * `always` run (putting a setting back is safe, starting half-restored services is not), and the
 * journal keeps the failure so that no later run touches the server until the operator clears it.
 */
export async function failHop(run: Run, step: PlannedStep, outcome: StepOutcome): Promise<never> {
  const { options, journal } = run;
  const hop = options.plan.hops.find((h) => hopLabel(h) === step.hop)!;
  const hopSteps = options.plan.steps.filter((s) => s.hop === step.hop);
  const ran = hopSteps.slice(0, hopSteps.indexOf(step) + 1);
  const failed: FailedStep = {
    host: options.host.label,
    step,
    hop,
    hopName: hopName(options.catalog, options.plan, step.hop),
    outcome,
    changedSomething: ran.some((s) => s.destructive),
  };
  const mask = (text: string) => maskSecrets(text, options.secrets ?? []);
  // cause: the error this one reports (masked as the message is: it may hold what the host printed)
  const fail = (how: HopFailure, cause?: unknown): never => {
    const report = failureReport(failed, how);
    throw new UpchainError(report.code, mask(report.message), [], cause === undefined ? undefined : { cause: maskedError(cause, mask) });
  };
  const restore = failed.changedSomething ? options.catalog.restoreSteps(hop, options.ctx) : [];
  const recover = options.catalog.recoverSteps?.(hop, options.ctx) ?? [];
  if (restore.length || recover.length) run.log(`[${failed.hopName}] step ${step.id} ${outcomeText(outcome)}; bringing ${hop.from} back`);
  // Nothing can be restored on a machine that cannot be reached, and its journal cannot be written.
  if (!(await reachable(options.host))) fail({ kind: "unreachable" });
  await settleInstalls(run, ran).catch((e) => {
    throw isUpchainError(e, "INSTALL_MAY_STILL_RUN") ? fail({ kind: "install-may-run", why: e.message }, e) : e;
  });
  let restoreError: string | undefined;
  for (const s of restore) {
    restoreError = await timed(run, "restore", s, () => runAside(run, s));
    if (restoreError) break;
  }
  const recoverErrors: string[] = [];
  for (const s of recover.filter((s) => !restoreError || s.always)) {
    const e = await timed(run, "recover", s, () => runAside(run, s));
    if (e) recoverErrors.push(`"${s.title}" failed (${e})`);
  }
  if (restoreError) {
    const restorePoint = await restorePointOf(run, step.hop);
    journal.status = "restore-failed";
    journal.failure = { hop: step.hop, step: `"${step.title}" (${step.id})`, restorePoint: mask(restorePoint), why: mask(restoreError).slice(0, 1000) };
    const unsaved = await run.saveJournal().then(
      () => undefined,
      (e) => {
        if (isUpchainError(e, "LOCK_LOST")) throw e;
        return (e as Error).message;
      },
    );
    fail({ kind: "restore-failed", restoreError, restorePoint, run: journal.run, unsaved });
  }
  journal.status = "restored";
  await run.closeJournal();
  return fail(recoverErrors.length ? { kind: "not-in-service", recoverErrors } : { kind: "restored", recovered: recover.length > 0 });
}

/**
 * Nothing is restored or restarted while a vendor's install that a press of this hop started may still
 * run: each such portal's page is read, and waited for while it shows an install running. When it
 * cannot be read, or still installs at the step's deadline, INSTALL_MAY_STILL_RUN stops the run with
 * nothing restored; the journal still names the failed step, and the next run starts by reading again.
 */
async function settleInstalls(run: Run, ran: PlannedStep[]): Promise<void> {
  const { options } = run;
  for (const s of ran.filter((s) => s.action === "http")) {
    await portalSettled(options.host, s, {
      deadlineMs: stepDeadline(s, options.stepTimeouts) * 1000,
      log: (line) => run.log(`[${hopName(options.catalog, options.plan, s.hop)}] ${line.trim()}`),
      beforePoll: () => run.lock.assertHeld(),
      contactTimeoutMs: options.contactTimeoutMs,
      pollMs: options.pollMs,
    });
  }
}

/** Run a restore or recovery step with its entry in the journal's timeline; its error text, or undefined. */
async function timed(run: Run, kind: "restore" | "recover", s: Step, carryOut: () => Promise<string | undefined>): Promise<string | undefined> {
  const entry: TimelineEntry = { kind, step: s.id, start: new Date().toISOString() };
  run.journal.timeline.push(entry);
  const error = await carryOut();
  entry.end = new Date().toISOString();
  entry.outcome = error ? "failed" : "ok";
  return error;
}

/**
 * Where the hop's restore point is, for the operator: the backup step's folder when the catalog names
 * one, else the last line its backup printed (bare or labelled "restore point: <archive>"), from this
 * run or, for a resumed run, from the step's output kept on the host (shown printable and short).
 */
async function restorePointOf(run: Run, hop: string): Promise<string> {
  const steps = run.options.plan.steps;
  const index = steps.findIndex((s) => s.hop === hop && s.action === "backup");
  if (index < 0) return "none was taken";
  const backup = steps[index];
  if (backup.action === "backup" && backup.backupDir) return backup.backupDir;
  const output =
    run.backupOutput.get(hop) ??
    (await readResult(run.options.host, stepDir(run.stateDir, run.journal.run, index, backup.id), 0).then(
      (res) => res.stdout,
      () => "",
    ));
  const printed = output
    .trim()
    .split("\n")
    .pop()
    ?.replace(/^restore point:\s*/i, "")
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 300);
  return printed || `made by "${backup.title}"`;
}

/** Whether the host answers now, reconnecting for up to 30 s when the connection is gone. */
async function reachable(host: RemoteHost): Promise<boolean> {
  const answers = () =>
    host.exec("true").then(
      (r) => r.code === 0,
      () => false,
    );
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
async function runAside(run: Run, s: Step): Promise<string | undefined> {
  const { options } = run;
  const dir = `${run.stateDir}/runs/${run.journal.run}/restore-${s.id}`;
  const runner = runnerFor(options.runners, s.action);
  if (runner.mode === "inline" && runner.restores) return runInlineAside(run, s, dir);
  const wait = () =>
    waitForStep(options.host, dir, {
      pollMs: options.pollMs ?? 500,
      beforePoll: () => run.lock.assertHeld(),
      deadlineSeconds: stepDeadline(s, options.stepTimeouts),
      contactTimeoutMs: options.contactTimeoutMs,
      what: `restore step "${s.title}" ran`,
      fence: run.lock.fence,
      beat: run.lock.ridingBeat,
    });
  const verdict = (res: DetachedResult) => (res.code === 0 ? undefined : `exited ${res.code}: ${tail(res.stderr.trim() || res.stdout.trim(), 1000)}`);
  try {
    const earlier = await withContact(options.host, () => stepState(options.host, dir), {
      until: run.contactUntil(),
      lost: stepMayStillRun(options.host, `checking restore step "${s.title}"`),
    });
    if (earlier.state === "running" || earlier.state === "finished") {
      const left = await wait();
      if (left !== "lost" && left !== "not-started") {
        run.log(
          `restore step "${s.title}" was ${earlier.state === "running" ? "left running" : "finished"} by the interrupted run; ${earlier.state === "running" ? "waited for it, " : ""}not run again`,
        );
        return verdict(left);
      }
      run.log(`restore step "${s.title}" of the interrupted run died without an exit status; running it again from the restore point`);
    }
    await launch(run, dir, s);
    const res = await wait();
    if (res === "lost" || res === "not-started") return res === "lost" ? "it died without an exit status" : "it did not start";
    return verdict(res);
  } catch (e) {
    if (isUpchainError(e, "LOCK_LOST")) throw e;
    return (e as Error).message;
  }
}

/** A restore step its runner carries out itself (a pool step, on the balancer, idempotent); its output logged, its error text returned. */
async function runInlineAside(run: Run, s: Step, dir: string): Promise<string | undefined> {
  const out = (text: string) => {
    for (const line of text.trimEnd().split("\n")) run.log(`  ${line}`);
  };
  try {
    const res = await runnerFor(run.options.runners, s.action).run(run, {
      step: { ...s, hop: "" },
      index: -1,
      dir,
      position: "",
      what: `restore step "${s.title}"`,
      out,
    });
    if (res === "lost") return "it died without an exit status";
    return res.code === 0 ? undefined : res.stderr;
  } catch (e) {
    // a lost lock is thrown, a balancer's failure is the step's
    if (isUpchainError(e, "LOCK_LOST")) throw e;
    return (e as Error).message;
  }
}
