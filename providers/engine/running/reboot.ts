// A reboot step: note how the machine identifies its current boot, start the reboot detached (the
// connection drops with it), watch the reboot command's own exit status until the connection goes,
// then connect again with backoff until the machine answers with a new boot marker or the deadline
// passes. Resumable: the marker is in the journal, so a run interrupted while waiting knows whether
// the reboot happened, and re-issues a reboot that never happened.
import { runInItsShell } from "../readOnHost";
import { UpchainError } from "../../errors";
import { RemoteHost } from "../../transport/remoteHost";
import { DetachedResult, readResult, startDetached, stepState } from "./detached";
import { RebootStep } from "../planning/catalog";
import { PlannedStep } from "../planning/planner";
import { withContact } from "../../transport/contact";
import { rebootMayBeIssued } from "./contactLost";
import { Fence } from "./fence";

export async function bootMarker(host: RemoteHost, step: Pick<RebootStep, "bootMarker" | "shell">): Promise<string> {
  // in the step's shell: a Windows marker is PowerShell (readOnHost.ts)
  const r = await runInItsShell(host, { shell: step.shell, command: step.bootMarker });
  if (r.code !== 0 || !r.stdout.trim())
    throw new UpchainError("COMMAND_FAILED", `${host.label}: the boot marker command printed nothing: ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout.trim().slice(0, 500);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rebootAndWait(o: {
  host: RemoteHost;
  step: PlannedStep & RebootStep;
  dir: string;
  /** The marker noted before the reboot; absent when this run starts the reboot itself. */
  markerBefore?: string;
  /** Called with the marker before the reboot starts, so the journal can keep it. */
  remember: (marker: string) => Promise<void>;
  /** Keeps the run's lock valid until then: no heartbeat reaches a machine that is down. */
  holdLock: (untilEpochSeconds: number) => Promise<void>;
  /** Guards the reboot's launch: a run that lost the machine's lock restarts nothing (fence.ts). */
  fence: Fence;
  /**
   * Resolves once no other run's step is running on the machine, or throws naming them: a restart
   * must never cut another run's step short (machineRuns.ts). Called before the marker is noted.
   */
  othersSettled?: () => Promise<void>;
  log: (line: string) => void;
}): Promise<DetachedResult> {
  const { host, step } = o;
  if (!host.reconnect) return { code: 1, stdout: "", stderr: `${host.label}: this connection cannot reconnect, so upchain cannot wait for a reboot` };
  const timeout = step.timeoutSeconds;
  const deadline = Date.now() + timeout * 1000;
  let before = o.markerBefore;
  let launch = before === undefined;
  if (launch) await o.othersSettled?.();
  if (before === undefined) {
    before = await bootMarker(host, step);
    await o.remember(before);
  } else if ((await bootMarker(host, step)) !== before) {
    return { code: 0, stdout: "the machine had already restarted\n", stderr: "" };
  } else {
    // Same boot as before the reboot: the command failed, is still going, or was never issued.
    const s = await stepState(host, o.dir);
    if (s?.state === "finished" && s.code !== 0) return failedReboot(await readResult(host, o.dir, s.code));
    if (!s || s.state === "not-started" || s.state === "lost") {
      o.log("the interrupted run's reboot never happened; issuing it again");
      await o.othersSettled?.();
      launch = true;
    }
  }
  // holding the lock is a write to the host: a link that drops just now is ridden out (the write is
  // idempotent), not taken for the step failing; a host that answers and still refuses it is an error
  const hold = (until: number) =>
    withContact(host, async () => (await o.holdLock(until), true), { until: Date.now() + 120_000, ownErrors: true, lost: rebootMayBeIssued(host) });
  await hold(Math.ceil(deadline / 1000) + 60);
  if (launch) {
    // the pause lets the launch be acknowledged before the machine goes down
    await startDetached(host, o.dir, `sleep 1\n${step.commands.join("\n")}`, undefined, o.fence);
    const failed = await watchRebootCommand(host, o.dir);
    if (failed) return failed;
  }
  o.log(`waiting up to ${timeout}s for ${host.label} to come back`);
  const started = Date.now();
  const marker = before;
  await host.reconnect({
    deadline,
    accept: async (h) => (await bootMarker(h, step)) !== marker,
    onAttempt: (n, why) => o.log(`  not back yet (attempt ${n}: ${why})`),
  });
  await hold(0);
  return { code: 0, stdout: `back after ${Math.round((Date.now() - started) / 1000)}s\n`, stderr: "" };
}

/**
 * Watch the reboot command until the connection drops (the machine is going down), the command ends
 * well, or 30 s pass. A command that exits non-zero while the machine stays up failed: its output is
 * the step's result, at once, instead of a wait until the deadline.
 */
async function watchRebootCommand(host: RemoteHost, dir: string): Promise<DetachedResult | undefined> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    let s;
    try {
      s = await stepState(host, dir);
    } catch {
      return undefined; // the connection went with the machine
    }
    if (s?.state === "finished")
      return s.code === 0 ? undefined : failedReboot(await readResult(host, dir, s.code).catch(() => ({ code: s.code, stdout: "", stderr: "" })));
    if (s?.state === "lost") return undefined;
    await sleep(500);
  }
  return undefined;
}

function failedReboot(r: DetachedResult): DetachedResult {
  return { ...r, code: r.code || 1, stderr: `the reboot command failed (exit ${r.code}), so the machine was not restarted:\n${r.stderr}` };
}
