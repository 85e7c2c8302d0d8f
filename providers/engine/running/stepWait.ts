// Waiting for a detached step: poll until it finishes, passing its output on, with the step's deadline
// enforced and every transient trouble retried. A poll that fails (sudo hiccup, garbage, a closed
// channel) or a dropped connection is never read as "the step died": the connection is made again and
// the poll repeated, until `contactTimeoutMs` passes without one good poll; then the outcome is
// unknown (OUTCOME_UNKNOWN), the journal still names the step, and the next run finds out how it ended.
import { UpchainError } from "../../errors";
import { withContact } from "../../transport/contact";
import { RemoteHost } from "../../transport/remoteHost";
import { outputUnread, stepMayStillRun } from "./contactLost";
import { DetachedResult, PolledState, StepState, killStep, pollStep, readResult, readStepState, removeStepEnv } from "./detached";
import { Fence } from "./fence";
import { RidingBeat } from "./lock";

export interface WaitOptions {
  pollMs: number;
  onOutput?: (text: string) => void;
  /** Called before every poll; throws to stop waiting at once (a lost lock). */
  beforePoll?: () => void;
  /** Seconds the step may run, counted on the host's clock from its start; past it the step is stopped. */
  deadlineSeconds?: number;
  /** How long to keep trying to reach the host before the outcome is declared unknown. */
  contactTimeoutMs?: number;
  /** Step title, for messages. */
  what: string;
  /** Guards the step's stop at its deadline: a run that lost its lock stops nothing (fence.ts). */
  fence: Fence;
  /** The lock's heartbeat, carried by the wait's exec while it waits on the host (lock.ts). */
  beat?: RidingBeat;
  /** How often a running step's output is passed on while it is waited for (the display's interval); by default at each wait's end. */
  outputEverySeconds?: number;
}

export type WaitResult = DetachedResult | "lost" | "not-started";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The longest a running step is waited for on the host in one round trip. */
const LONG_POLL_SECONDS = 10;

/**
 * Wait for the step to end. Its secrets file is removed however it ended (the step removes it itself
 * once read; this covers a step killed before it read it): by the poll that saw the end, or from this
 * side after a stop at the deadline.
 */
export async function waitForStep(host: RemoteHost, dir: string, o: WaitOptions): Promise<WaitResult> {
  const contact = o.contactTimeoutMs ?? 120_000;
  let shown = 0;
  let polls = 0;
  // the step's elapsed time as the host last told it, and when: a poll that cannot read the step's
  // process ("unknown") counts on from there on this machine's clock, so the deadline still comes
  let elapsed = 0;
  let toldAt = Date.now();
  const elapsedNow = () => elapsed + Math.floor((Date.now() - toldAt) / 1000);
  for (;;) {
    o.beforePoll?.();
    // a running step is waited for on the host, in stretches short enough to notice a lost lock and
    // the step's deadline soon; polling tests (pollMs below 250) poll as before
    const waitSeconds =
      o.pollMs >= 250 && polls > 0
        ? Math.max(1, Math.min(LONG_POLL_SECONDS, o.deadlineSeconds !== undefined ? o.deadlineSeconds - elapsedNow() + 1 : LONG_POLL_SECONDS))
        : undefined;
    const before = Date.now();
    const s: PolledState = await withContact(
      host,
      () =>
        pollStep(host, dir, shown, {
          waitSeconds,
          outputEverySeconds: o.outputEverySeconds,
          beat: o.beat,
          onOutput:
            o.onOutput &&
            ((out) => {
              shown += Buffer.byteLength(out);
              o.onOutput?.(out);
            }),
        }),
      { until: Date.now() + contact, lost: stepMayStillRun(host, `waiting for ${o.what}`) },
    );
    if (s.state === "running") {
      elapsed = s.elapsedSeconds;
      toldAt = Date.now();
    }
    if (s.state === "lost" || s.state === "not-started") return s.state;
    // the poll that saw the end brought the output with it, unless it could not read it whole
    if (s.state === "finished")
      return s.result ?? withContact(host, () => readResult(host, dir, s.code), { until: Date.now() + contact, lost: outputUnread(host, o.what) });
    // running, or "unknown": a poll that could not read the step's process is no proof that it ended,
    // so it is waited for like a running one, until its deadline
    if (o.deadlineSeconds !== undefined && elapsedNow() > o.deadlineSeconds) {
      const stopped = await stopAtDeadline(host, dir, o, contact);
      await removeStepEnv(host, dir).catch(() => undefined);
      return stopped;
    }
    // soon after the start first (most steps are short), then every pollMs; a wait on the host that
    // came back at once (no GNU tail there, or a host that cannot fork) is not a reason to poll without a pause
    const pause = Math.min(o.pollMs, 25 * 2 ** polls++);
    if (waitSeconds === undefined || Date.now() - before < pause) await sleep(pause);
  }
}

/** How many times the state is read again after the kill, a second apart, before the step counts as unstoppable. */
const AFTER_KILL_POLLS = 5;

/**
 * Stop a step past its deadline. Its exit status stands when it finished on its own meanwhile; it
 * fails with 124 once a poll proves it gone. A step still there after the kill, or whose state
 * cannot be read, must not be restored under: the outcome is unknown, and the journal names the step.
 */
async function stopAtDeadline(host: RemoteHost, dir: string, o: WaitOptions, contact: number): Promise<DetachedResult> {
  const lost = stepMayStillRun(host, `stopping ${o.what}`);
  await withContact(host, async () => (await killStep(host, dir, o.fence), true), { until: Date.now() + contact, lost });
  let after: StepState | undefined;
  for (let i = 0; i < AFTER_KILL_POLLS; i++) {
    if (i > 0) await sleep(1000);
    after = await withContact(host, () => readStepState(host, dir), { until: Date.now() + contact, lost });
    if (after.state !== "running" && after.state !== "unknown") break;
  }
  // it may have finished on its own in the meantime: then its own exit status stands
  if (after?.state === "finished") return readResult(host, dir, after.code);
  if (after?.state === "running" || after?.state === "unknown") {
    throw new UpchainError(
      "OUTCOME_UNKNOWN",
      `${host.label}: ${o.what} past its deadline of ${o.deadlineSeconds}s, and ${after.state === "running" ? "it is still running after it was killed" : "its process could not be read after the kill"}. ` +
        `The step may still be running there: nothing was restored, and the journal on the host still names the step. Check the step's processes on the host ` +
        `(its folder ${dir} holds its pid), then run pulumi up again: it waits for the step and carries on, or restores the hop if the step failed.`,
    );
  }
  const result = await readResult(host, dir, 124).catch(() => ({ code: 124, stdout: "", stderr: "" }));
  return { ...result, stderr: `${result.stderr}\nupchain stopped the step: it ran past its deadline of ${o.deadlineSeconds}s (set stepTimeouts to change it)` };
}
