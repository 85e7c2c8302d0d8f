// Up's side of the Server: run the chain preview showed (an interrupted run finished first), keep the
// version reached, and report a failure as Pulumi prints it, or record it for a wave's gate.
import { getCatalog } from "../catalogs";
import { DEFAULT_STATE_DIR, executePlan, restorePending } from "../engine/running/executor";
import { platformShell } from "../engine/planning/catalog";
import { versionReached } from "../engine/planning/installedVersion";
import { Journal, journalPath } from "../engine/running/journal";
import { Plan, hopLabel } from "../engine/planning/planner";
import { progressPrefix } from "../engine/running/progress";
import { runRecord, writeRunRecord } from "../engine/running/runRecord";
import { operatorStop } from "../engine/running/stopSignal";
import { displayLine, flushDisplay } from "../engineLog";
import { UpchainError, isUpchainError } from "../errors";
import { haproxyPools } from "../loadBalancer/config";
import { Pools } from "../loadBalancer/pools";
import { poolRunner } from "../loadBalancer/poolRunner";
import { forTerminal } from "../terminalBoundary";
import { Connection, RemoteHost } from "../transport/remoteHost";
import { ReconnectingHost } from "../transport/reconnectingHost";
import { connectSsh } from "../transport/ssh";
import { sharedConnections } from "../transport/sharedConnections";
import { assertRoot, installedAfterFailure, pinnedIn, readRunState } from "./hostState";
import { findInstalled, versionReadAtEnd, writeTracked } from "./installed";
import { catalogFor, contextOf, planFromHost, runnable, sourcesOf } from "./planFromHost";
import { planAfterRun } from "./planSummary";
import { ServerGiven, ServerInputs, ServerOutputs, priorVersion, serverId, serverOutputs } from "./schema";

const balancerSecrets = (s: ServerInputs) => {
  const c = s.pool?.balancer.connection as Partial<Connection> | undefined;
  return [c?.privateKey ?? "", c?.password ?? "", c?.privateKeyPassphrase ?? ""];
};

/** Opens the balancer's connection when the first pool step needs it; closed with the run. */
function balancerOpener(s: ServerInputs): { open?: () => Promise<Pools>; close: () => Promise<void> } {
  if (!s.pool) return { close: async () => undefined };
  const b = s.pool.balancer;
  let host: RemoteHost | undefined;
  return {
    open: async () => haproxyPools((host ??= await connectSsh(b.connection as Connection, pinnedIn(s.fields, "pool.balancer.connection.hostKey"))), b),
    close: async () => host?.close(),
  };
}

async function converge(given: ServerGiven, olds?: unknown): Promise<ServerOutputs> {
  const { server: s, connection: c } = given;
  const catalog = catalogFor(s);
  const ctx = contextOf(catalog, s);
  const display = displayLine(progressPrefix(s.resourceName, c.host));
  const log = (line: string) => display(line);
  const status = (line: string) => display(line, { ephemeral: true });
  const journalName = s.journalName ?? s.product;
  const reads = { journalName, tracked: priorVersion(olds) };
  // a reboot step replaces the connection underneath; everything else keeps this one object. The first
  // is the one check logged in with, when it is still up (sharedConnections.ts)
  const host = new ReconnectingHost(await sharedConnections.lend(c, pinnedIn(s.fields)), (ms) =>
    connectSsh(c, { readyTimeoutMs: ms, handshakeTries: 1, ...pinnedIn(s.fields) }),
  );
  const balancer = balancerOpener(s);
  try {
    await assertRoot(host, c.user, s.platform);
    const installed = async () => (await findInstalled(host, catalog, ctx, sourcesOf(s, reads.tracked), journalName)).version;
    // a product with no documented source: the version each run reaches is kept for the next one
    const tracks = !catalog.probeVersion;
    const keepReached = async (plan: Plan, finished: Journal | undefined) => {
      // a run still "running" (the host was lost) is resumed from its journal, not from a version
      if (!tracks || !finished || finished.status === "running") return;
      const reached = versionReached(plan, finished);
      await writeTracked(host, journalName, reached).catch((e) => log(`could not keep the version reached (${reached}) on the host: ${(e as Error).message}`));
    };
    // what the probe read in the last run's last exec, after its release (engine/running/runEnd.ts)
    let readAtEnd: { code: number; stdout: string } | undefined;
    const run = async (plan: Plan) => {
      let finished: Journal | undefined;
      readAtEnd = undefined;
      try {
        readAtEnd = (await execute(plan, (j) => (finished = j))).versionAtEnd;
      } finally {
        await keepReached(plan, finished);
      }
    };
    const execute = (plan: Plan, finished: (j: Journal) => void) =>
      executePlan({
        host,
        catalog,
        plan,
        ctx,
        resource: journalName,
        lockStaleSeconds: s.lockTimeoutSeconds,
        stepTimeouts: s.stepTimeouts,
        clearRun: s.clearRun,
        env: s.secretEnv,
        log,
        status,
        secrets: [c.privateKey ?? "", c.password ?? "", ...Object.values(s.secretEnv), ...balancerSecrets(s)],
        runners: balancer.open && { pool: poolRunner(balancer.open) },
        stop: operatorStop,
        // a copy of the run's timeline on the controller, for `upchain report`
        versionProbe: tracks && s.versionCommand ? { shell: platformShell(s.platform), command: s.versionCommand } : undefined,
        onFinish: (j) => {
          finished(j);
          void writeRunRecord(runRecord(j, plan, catalog, host.label, journalName));
        },
      });
    // An interrupted run is finished first, whatever version the host reports now: its last hop
    // may have changed the version and still have steps to go (start, check). Its plan is made
    // again here from the stack; the executor checks the journal names that very plan.
    const [pending] = await readRunState(host, s.platform, journalName);
    if (pending && (pending.status === "running" || pending.status === "restore-failed") && s.clearRun !== pending.run) {
      const where = `${host.label}:${journalPath(DEFAULT_STATE_DIR, journalName)}`;
      if (pending.status === "restore-failed") throw restorePending(where, pending);
      await run((await planFromHost(host, catalog, s, reads, { at: "resume", journal: pending, where })).plan);
    }
    readAtEnd = undefined;
    const plan = runnable(host.label, await planFromHost(host, catalog, s, reads, { at: "up", previewed: given.resolvedTarget }));
    if (plan.hops.length || (pending && s.clearRun === pending.run)) {
      if (plan.hops.length) log(`${catalog.title} ${plan.from} -> ${plan.to}: ${plan.hops.map(hopLabel).join(", ")}`);
      await run(plan);
    }
    const now = versionReadAtEnd(catalog, ctx, sourcesOf(s, reads.tracked), readAtEnd) ?? (await installed());
    // from now on the state tracks it: a `current` the stack declared is trusted only on first adoption
    if (tracks) await writeTracked(host, journalName, now);
    return serverOutputs(given, { plan: planAfterRun(given.raw.plan), installedVersion: now, outcome: { status: "ok" } });
  } finally {
    await balancer.close();
    await host.close();
  }
}

/**
 * Pulumi shows a thrown error's message only: put the code in front, as check's failures have it.
 * A server in a rollout wave (onFailure "record") keeps the failure in its outcome instead, with the
 * version the host runs now, and the wave's gate weighs it against the budget.
 */
export async function convergeReporting(given: ServerGiven, olds?: unknown, id?: string): Promise<ServerOutputs> {
  try {
    return await convergeOrRecord(given, olds, id);
  } finally {
    // the run's lines reach the display before its resource is shown done
    await flushDisplay();
  }
}

async function convergeOrRecord(given: ServerGiven, olds?: unknown, id?: string): Promise<ServerOutputs> {
  let failure: Error;
  try {
    return await converge(given, olds);
  } catch (e) {
    if (isUpchainError(e, "STOPPED")) throw await stoppedWithState(given, e, olds, id);
    failure = reportedError(e, clusterState(given.server));
  }
  if (given.server.onFailure !== "record") throw failure;
  return failedOutputs(given, olds, failure.message, planAfterRun(given.raw.plan), (line, prefix) =>
    displayLine(prefix)(`failed, recorded for its wave's gate: ${line}`),
  );
}

/** A run's error as Pulumi prints it and the state keeps it (the host's text in it cleaned: terminalBoundary.ts). */
export const reportedError = forTerminal;

/** The outputs of a run that did not finish: the version the host runs now (or the last known), and the failure. */
async function failedOutputs(
  given: ServerGiven,
  olds: unknown,
  message: string,
  plan: unknown,
  say?: (message: string, prefix: string) => void,
): Promise<ServerOutputs> {
  say?.(message, progressPrefix(given.server.resourceName, given.connection.host));
  const installedVersion = await installedAfterFailure(given, priorVersion(olds)).catch(() => priorVersion(olds) ?? "unknown");
  return serverOutputs(given, { plan, installedVersion, outcome: { status: "failed", error: message.slice(0, 2000) } });
}

/**
 * A run stopped between hops (Ctrl-C) failed its resource, but the server did move: the error carries
 * the outputs with the version reached, which Pulumi's Node shim passes on as a resource that failed
 * to initialize, so the state records that version and the next up goes on from it.
 */
async function stoppedWithState(given: ServerGiven, e: UpchainError, olds: unknown, id: string | undefined): Promise<Error> {
  const message = reportedError(e).message;
  const outs = await failedOutputs(given, olds, message, given.raw.plan);
  // the shim sends these properties as they are: the provider's own reference must be among them
  // Pulumi shows an initialization failure by its reasons, not by its message
  return Object.assign(new Error(message), { id: id ?? serverId(outs), properties: { ...outs, __provider: given.raw.__provider }, reasons: [message] });
}

/** For a cluster member's failure: which members run what now, and where the rollout stopped. */
function clusterState(s: ServerInputs): string {
  if (!s.pool) return "";
  const { members, member, upTo } = s.pool;
  const at = members.indexOf(member);
  const done = members.slice(0, at);
  const rest = members.slice(at);
  const catalog = getCatalog(s.product);
  const stop = upTo === undefined ? undefined : catalog.scheme.normalize(upTo);
  if (stop !== undefined && catalog.scheme.compare(stop, catalog.scheme.normalize(s.target) ?? s.target) < 0) {
    // a stop on the way: every member goes there before any goes further, so the rest is still one class
    return (
      `\nThe rollout stopped at ${member} on the way to ${stop}, a stop every member takes before any goes further: ${done.length ? `${done.join(", ")} run ${stop}; ` : ""}${rest.join(", ")} run the release before it` +
      ` (${member} is back on it unless said otherwise above), every member in its pools. The members after ${member} were not touched, and the next pulumi up continues with ${member}.`
    );
  }
  return (
    `\nThe cluster is left mixed: ${done.length ? `${done.join(", ")} run ${s.target}; ` : ""}${rest.join(", ")} run the old release` +
    ` (${member} is back on it unless said otherwise above). The rollout stopped at ${member}: the members after it were not touched,` +
    ` invalidations go only to members on the old release, and the next pulumi up continues with ${member}.`
  );
}
