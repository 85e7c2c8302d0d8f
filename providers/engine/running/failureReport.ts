// What the operator is told when a hop fails: which step, how it ended, what was restored, and what
// to do next. Pure (no I/O): failHop (hopFailure.ts) finds out what happened and masks secrets; this
// says it, so every wording is table-tested (tests/unit/engine/running/failureReport.test.ts).
import { UpchainErrorCode } from "../../errors";
import { PlannedStep } from "../planning/planner";
import { quotedBlock } from "./progress";
import { StepOutcome } from "./run";

/** The last `n` characters of a step's output, marked as cut when they are not all of it. */
export const tail = (s: string, n = 4000) => (s.length > n ? "…" + s.slice(-n) : s);

/** The step that failed and the hop it belongs to. */
export interface FailedStep {
  /** The host's label, as messages name it. */
  host: string;
  step: PlannedStep;
  hop: { from: string; to: string };
  /** The hop as the catalog names it (planner.ts hopName). */
  hopName: string;
  outcome: StepOutcome;
  /** Whether anything destructive ran in the hop up to and including the failed step (a restore point was taken for it). */
  changedSomething: boolean;
}

/** What came of the failure once the run had dealt with it (failHop). */
export type HopFailure =
  /** The host could not be reached again: nothing was restored. */
  | { kind: "unreachable" }
  /** A vendor's install a press of the hop started may still run (the error's message): nothing was restored. */
  | { kind: "install-may-run"; why: string }
  /** The restore failed; `unsaved` says why the journal could not keep that, when it could not. */
  | { kind: "restore-failed"; restoreError: string; restorePoint: string; run: string; unsaved?: string }
  /** Restored (or nothing to restore), but recovery steps failed: the old version is not in service. */
  | { kind: "not-in-service"; recoverErrors: string[] }
  /** Restored (or nothing to restore) and, when the catalog has recovery steps, back in service. */
  | { kind: "restored"; recovered: boolean };

/** How the step ended, as a clause: "exited 3", "could not be carried out", ... */
export function outcomeText(outcome: StepOutcome): string {
  return outcome === "lost" ? "died without an exit status (its process is gone)" : outcome.code === -1 ? "could not be carried out" : `exited ${outcome.code}`;
}

/** The error a failed hop ends the run with (its message unmasked: the caller masks it). */
export function failureReport(failed: FailedStep, how: HopFailure): { code: UpchainErrorCode; message: string } {
  const { step, hop, outcome } = failed;
  const output = outcome === "lost" ? "" : `\n--- stdout ---\n${quotedBlock(tail(outcome.stdout))}\n--- stderr ---\n${quotedBlock(tail(outcome.stderr))}`;
  const failedStep = `${failed.host}: step "${step.title}" (${step.id}) of hop ${failed.hopName} ${outcomeText(outcome)}`;
  switch (how.kind) {
    case "unreachable":
      // A step that failed by taking the connection down (a reboot that never came back) leaves none:
      // the journal still names the step, so the next run, once the machine is back, finds out how it ended.
      if (step.action === "reboot") {
        return {
          code: "HOST_DID_NOT_RETURN",
          message:
            `${failed.host}: step "${step.title}" (${step.id}) of hop ${step.hop} restarted the machine, and it did not come back within ` +
            `${Number(step.timeoutSeconds ?? 900)}s (${tail(outcome === "lost" ? "" : outcome.stderr, 500).replace(/^[^:]*: /, "")}). Nothing could be restored on a ` +
            `machine that cannot be reached. Once it is back, run pulumi up again: the journal on the host resumes the chain after the reboot, ` +
            `or brings ${hop.from} back if the machine never restarted.`,
        };
      }
      return {
        code: "OUTCOME_UNKNOWN",
        message:
          `${failedStep}, and the host could not be reached again to restore it. Once it can, run pulumi up again: the journal on the host ` +
          `still names the step, and the next run restores the hop.`,
      };
    case "install-may-run":
      return { code: "INSTALL_MAY_STILL_RUN", message: `${failedStep}. Before restoring the hop: ${how.why}${output}` };
    case "restore-failed":
      return {
        code: "RESTORE_FAILED",
        message:
          `${failedStep}, and restoring the backup failed too (${how.restoreError}). The restore point is kept on the host: ${how.restorePoint}` +
          `${how.unsaved ? ` (and the journal could not be written: ${how.unsaved})` : ""}. ` +
          `Restore it by hand; every later run on this server is refused until you set clearRun: "${how.run}" on it.${output}`,
      };
    case "not-in-service": {
      // the journal says `restored` and the next run proceeds: not RESTORE_FAILED, whose promise is the opposite
      const back = failed.changedSomething
        ? `the backup was restored, so the server is back on ${hop.from}`
        : `nothing had been changed yet, so the server is still on ${hop.from}`;
      return {
        code: "RESTORED_NOT_IN_SERVICE",
        message:
          `${failedStep}; ${back}, but not in service: ${how.recoverErrors.join("; ")}. Start ${hop.from} by hand (what those steps do), ` +
          `then run pulumi up again: the journal records the hop as restored, so the next pulumi up retries hop ${failed.hopName} from ${hop.from}.${output}`,
      };
    }
    case "restored": {
      const restored = failed.changedSomething
        ? `the host was restored to ${hop.from} and is running it`
        : how.recovered
          ? `nothing had been changed yet, and ${hop.from} was put back in service`
          : "nothing had been changed yet, so nothing was restored";
      // what to do next: the chain goes on from the version the server runs now
      const next = ` Fix what the step's output below shows and run pulumi up again: the chain goes on from ${hop.from}.`;
      return { code: "STEP_FAILED", message: `${failedStep}; ${restored}.${next}${output}` };
    }
  }
}
