// What the user is told when contact with a host is lost for good in the middle of a run: each
// caller of withContact (transport/contact.ts) says what it was doing, where that leaves the step,
// and what the next run does about it. Nothing is restored in any of these cases (executor.ts,
// STOP_AS_IS): a step that may still run must not have its hop restored under it.
import { UpchainError } from "../../errors";
import { lastError } from "../../transport/contact";
import { RemoteHost } from "../../transport/remoteHost";

type Lost = (last: Error) => UpchainError;

/** The error for contact lost while `doing`: where that leaves things (`stands`), the last failure as its cause. */
const lostWhile =
  (stands: string) =>
  (host: RemoteHost, doing: string): Lost =>
  (last) =>
    new UpchainError("OUTCOME_UNKNOWN", `${host.label}: lost contact with the host while ${doing} (last error: ${lastError(last)}). ${stands}`, [], {
      cause: last,
    });

/** While waiting for, or stopping, a step that was started: it may still run. */
export const stepMayStillRun = lostWhile(
  `The step may still be running there: nothing was restored, and the journal on the host still names the step. Once the host can be ` +
    `reached, run pulumi up again: it waits for the step and carries on, or restores the hop if the step failed.`,
);

/** While starting a step: it may or may not have started. */
export const stepMayHaveStarted = lostWhile(
  `The step may have started there, and may still be running: nothing was restored. Once the host can be reached, run pulumi up again: ` +
    `it finds out whether the step started, waits for it if it did and carries on, or restores the hop if the step failed.`,
);

const lostOutputUnread = lostWhile(
  `The step has ended there, but how is not known here: nothing was restored, and the journal on the host still names the step. Once ` +
    `the host can be reached, run pulumi up again: it reads how the step ended and carries on, or restores the hop if the step failed.`,
);
/** While reading the output of a step that has ended: it ran, but how it ended is not known here. */
export const outputUnread = (host: RemoteHost, what: string): Lost => lostOutputUnread(host, `reading the output of ${what}`);

const lostOwnStepCut = lostWhile(
  `The step may be half done: nothing was restored. Once the host can be reached, run pulumi up again: the journal on the host still ` +
    `has the step to do, and the next run does it again whole (it is written to be done twice) and carries on.`,
);
/** While carrying out a step upchain does itself (an upload, an edit): it may be half done, and is done again whole by the next run. */
export const ownStepCut = (host: RemoteHost, title: string): Lost => lostOwnStepCut(host, `carrying out step "${title}"`);

/** While writing the journal: the journal on the host may not record this run's last state. */
export const journalNotWritten = lostWhile(
  `The journal on the host may not record this run's last step: nothing was restored. Once the host can be reached, run pulumi up ` +
    `again: it goes on from what the journal on the host records, and waits for a step it names as running rather than run it again.`,
);

const lostRebootMayBeIssued = lostWhile(
  `The reboot may or may not have been issued: nothing was restored, and the journal on the host still names the step. Once the host ` +
    `can be reached, run pulumi up again: it finds out whether the machine restarted, and issues the reboot again only if it did not.`,
);
/** While holding the lock through a reboot: the reboot may or may not have been issued. */
export const rebootMayBeIssued = (host: RemoteHost): Lost => lostRebootMayBeIssued(host, "holding the lock through the reboot");
