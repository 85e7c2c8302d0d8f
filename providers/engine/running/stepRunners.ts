// The engine's step runners, one per step action. The walk looks the step's action up here and never
// asks what kind of step it holds. A kind that acts on something other than the host is registered by
// the code that knows it (ExecuteOptions.runners; the load balancer's: loadBalancer/poolRunner.ts), so
// the engine imports no product or balancer code. A new kind of step: its type in catalog.ts's Step
// union, its runner (a file of its own when it is more than a few lines), and its entry below.
import { RebootStep, StepAction, stepOfAction } from "../planning/catalog";
import { edit, servicesAdd, upload } from "./fileSteps";
import { fencedHost } from "./fence";
import { runHttpStep } from "./httpStep";
import { launchedStep } from "./launchedStep";
import { othersSettled } from "./machineRuns";
import { hopName, PlannedStep } from "../planning/planner";
import { rebootAndWait } from "./reboot";
import { Run, StepCall, StepOutcome, StepRunner, StepRunners } from "./run";
import { stepDeadline } from "./stepDeadline";
import { withContact } from "../../transport/contact";
import { ownStepCut } from "./contactLost";

/** The host restarted and waited for; the marker of its boot noted in the journal first, so a resumed run can tell. */
const rebootStep: StepRunner = {
  mode: "inline",
  async run(run: Run, { step, index, dir }: StepCall): Promise<StepOutcome> {
    const { options, journal } = run;
    const reboot = stepOfAction(step, "reboot") as PlannedStep & RebootStep;
    const log = (line: string) => run.log(`[${hopName(options.catalog, options.plan, step.hop)}]   ${line}`);
    return rebootAndWait({
      host: options.host,
      step: reboot,
      dir,
      markerBefore: journal.inFlight?.index === index ? journal.inFlight.marker : undefined,
      remember: async (marker) => {
        journal.inFlight = { index, marker };
        await run.saveJournal();
      },
      holdLock: (until) => run.lock.holdUntil(until),
      fence: run.lock.fence,
      // no restart under another run's step: waited for as long as the reboot may take, then refused
      othersSettled: () => othersSettled(options.host, run.stateDir, journal.run, reboot.timeoutSeconds, "restarts nothing", log),
      log,
    });
  },
};

/**
 * The portal's own page says whether it is done, and that is checked first: a resumed run does it
 * again. The step reads the page through a dropped link itself: retrying it whole here could press
 * again while the install its lost answer started still runs.
 */
const httpStep: StepRunner = {
  mode: "inline",
  async run(run: Run, { step, what, out }: StepCall): Promise<StepOutcome> {
    const { options } = run;
    const deadlineMs = stepDeadline(step, options.stepTimeouts) * 1000;
    await run.stillMine(what);
    return runHttpStep(options.host, stepOfAction(step, "http"), {
      deadlineMs,
      log: (line) => out(`${line}\n`),
      beforeAttempt: () => run.lock.assertHeld(),
      contactTimeoutMs: options.contactTimeoutMs,
      pollMs: options.pollMs,
    });
  },
};

/** A file step, carried out by the executor itself, idempotently: a resumed run simply does it again. */
function fileStep(carryOut: (run: Run, step: PlannedStep) => ReturnType<typeof upload>): StepRunner {
  return {
    mode: "inline",
    run: (run: Run, { step }: StepCall) =>
      withContact(run.options.host, () => carryOut(run, step), { until: run.contactUntil(), ownErrors: true, lost: ownStepCut(run.options.host, step.title) }),
  };
}

/** Every command and write of a file step is fenced: a run that lost its lock changes no file. */
const fenced = (run: Run) => fencedHost(run.options.host, run.lock.fence);

/** A pool step when no balancer was given to this server (a catalog that plans one for a server that is no cluster member). */
const noBalancer: StepRunner = {
  mode: "inline",
  restores: true,
  run: async () => ({ code: 1, stdout: "", stderr: "this step acts on a load balancer, and none was given to this server" }),
};

export const ENGINE_STEP_RUNNERS: StepRunners = {
  run: launchedStep,
  backup: launchedStep,
  verify: launchedStep,
  restore: launchedStep,
  upload: fileStep((run, step) => upload(fenced(run), stepOfAction(step, "upload"))),
  edit: fileStep((run, step) => edit(fenced(run), stepOfAction(step, "edit"), run.journal.run)),
  "services-add": fileStep((run, step) => servicesAdd(fenced(run), stepOfAction(step, "services-add"), run.journal.run)),
  reboot: rebootStep,
  http: httpStep,
  pool: noBalancer,
};

/** The runner of a step's action: the one registered for this run, else the engine's. */
export function runnerFor(registered: Partial<StepRunners> | undefined, action: StepAction): StepRunner {
  return registered?.[action] ?? ENGINE_STEP_RUNNERS[action];
}
