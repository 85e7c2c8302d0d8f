// A reboot step: note how the machine identifies its current boot, start the reboot detached (the
// connection drops with it), then connect again with backoff until the machine answers with a new
// boot marker or the deadline passes. Resumable: the marker is in the journal, so a run interrupted
// while waiting knows whether the reboot already happened.
import { UpchainError } from "../errors";
import { RemoteHost } from "../transport/remoteHost";
import { DetachedResult, startDetached } from "./detached";
import { PlannedStep } from "./planner";

export async function bootMarker(host: RemoteHost, step: PlannedStep): Promise<string> {
  const r = await host.exec(String(step.bootMarker), { sudo: true });
  if (r.code !== 0 || !r.stdout.trim()) throw new UpchainError("COMMAND_FAILED", `${host.label}: the boot marker command printed nothing: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export async function rebootAndWait(o: {
  host: RemoteHost;
  step: PlannedStep;
  dir: string;
  /** The marker noted before the reboot; absent when this run starts the reboot itself. */
  markerBefore?: string;
  /** Called with the marker before the reboot starts, so the journal can keep it. */
  remember: (marker: string) => Promise<void>;
  log: (line: string) => void;
}): Promise<DetachedResult> {
  const { host, step } = o;
  if (!host.reconnect) return { code: 1, stdout: "", stderr: `${host.label}: this connection cannot reconnect, so upchain cannot wait for a reboot` };
  const timeout = Number(step.timeoutSeconds ?? 900);
  let before = o.markerBefore;
  if (before === undefined) {
    before = await bootMarker(host, step);
    await o.remember(before);
    // the pause lets the launch be acknowledged before the machine goes down
    await startDetached(host, o.dir, `sleep 1\n${step.commands.join("\n")}`).catch(() => undefined);
  } else if ((await bootMarker(host, step)) !== before) {
    return { code: 0, stdout: "the machine had already restarted\n", stderr: "" };
  }
  o.log(`waiting up to ${timeout}s for ${host.label} to come back`);
  const started = Date.now();
  const marker = before;
  await host.reconnect({
    deadline: started + timeout * 1000,
    accept: async (h) => (await bootMarker(h, step)) !== marker,
    onAttempt: (n, why) => o.log(`  not back yet (attempt ${n}: ${why})`),
  });
  return { code: 0, stdout: `back after ${Math.round((Date.now() - started) / 1000)}s\n`, stderr: "" };
}
