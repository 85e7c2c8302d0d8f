// The runner of the steps that are scripts on the host (run, backup, verify, restore): launched
// detached and polled, so a dropped connection or a killed controller never kills the step, and a
// resumed run finds out how the step it had in flight ended instead of running it again blindly.
import { isUpchainError } from "../../errors";
import { Step } from "../planning/catalog";
import { startDetached, stepState } from "./detached";
import { Run, StepCall, StepOutcome, StepRunner } from "./run";
import { stepDeadline } from "./stepDeadline";
import { WaitResult, waitForStep } from "./stepWait";
import { withContact } from "../../transport/contact";
import { stepMayHaveStarted } from "./contactLost";

export const launchedStep: StepRunner = {
  mode: "launched",
  async run(run: Run, { step, index, dir, position, out }: StepCall): Promise<StepOutcome> {
    const { options, journal } = run;
    const wait = () =>
      waitForStep(options.host, dir, {
        pollMs: options.pollMs ?? 500,
        onOutput: out,
        beforePoll: () => run.lock.assertHeld(),
        deadlineSeconds: stepDeadline(step, options.stepTimeouts),
        contactTimeoutMs: options.contactTimeoutMs,
        what: `step "${step.title}" ran`,
        fence: run.lock.fence,
        beat: run.lock.ridingBeat,
        outputEverySeconds: (options.progressEveryMs ?? 10_000) / 1000,
      });
    if (journal.inFlight?.index === index) {
      // The previous run started this step and did not see it end: find out, never re-run it blindly.
      run.log(`${position} ${step.title}: in flight when the last run was interrupted; finding out how it ended`);
      const left = await wait();
      if (left !== "not-started") {
        run.log(`${position} ${step.title}: left running by the interrupted run; waited for it`);
        return left;
      }
      run.log(`${position} ${step.title}: the interrupted run never launched it; running it now`);
    } else {
      run.status(`${position} ${step.title}`);
    }
    // The journal names the step before it starts, so a run killed now knows where to look: the
    // launch's own script writes and syncs it first, and starts nothing when it cannot (detached.ts)
    journal.inFlight = { index };
    await launch(run, dir, step, true);
    const result: WaitResult = await wait();
    return result === "not-started" ? "lost" : result; // launched by this run: no pid means it died at once
  },
};

/**
 * Start the step; a launch cut off by a dropped connection is checked, and repeated only when it did
 * not happen. `withJournal`: the journal as it stands is written first, in the launch's own script.
 */
export async function launch(run: Run, dir: string, step: Step, withJournal = false): Promise<void> {
  const { options } = run;
  const script = step.commands.join("\n");
  const journal = () => (withJournal ? run.store.launchWrite(run.journal) : undefined);
  try {
    await startDetached(options.host, dir, script, options.env, run.lock.fence, journal());
    return;
  } catch (e) {
    if (isUpchainError(e) && e.code !== "CONNECTION_FAILED") throw e;
  }
  await withContact(
    options.host,
    async () => {
      const s = await stepState(options.host, dir);
      if (s === undefined) return undefined;
      if (s.state === "not-started") await startDetached(options.host, dir, script, options.env, run.lock.fence, journal());
      return true;
    },
    { until: run.contactUntil(), lost: stepMayHaveStarted(options.host, `starting step "${step.title}"`) },
  );
}
