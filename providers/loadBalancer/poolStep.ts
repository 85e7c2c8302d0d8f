// Carrying out a pool step: read every server's state from the balancer, make the changes that reach
// the step's desired pools (returns first, so a pool never loses its last member to the order of
// operations), wait for each drained member to finish what it serves, and read everything back.
// Idempotent: a resumed run simply does it again, and a pool already right is not touched. Only states
// upchain set itself (noted on the balancer, loadBalancer/ledger.ts) are changed back: a server an
// operator took out is refused, naming it, before anything changes. A member is drained only while
// another server of its backend can serve: ready *and* up by the balancer's own health checks (a
// ready server whose checks fail serves nothing), read back from the balancer, waited for a while
// when a member just returned has not passed its checks yet; else nothing is drained (issue 19).
import { UpchainError } from "../errors";
import { foreignStates } from "./ledger";
import { Pools, ServerState, key } from "./pools";
import { PoolStep } from "../engine/planning/catalog";
import { PoolState } from "../engine/planning/rollout";

export interface PoolStepResult {
  code: number;
  stdout: string;
  stderr: string;
}

const RANK: Record<PoolState, number> = { ready: 0, drain: 1, maint: 2 };

export interface HealthWait {
  /** How long a drain waits for another server of its backend to be up (a member just returned may not have passed its checks yet). */
  waitMs: number;
  pollMs: number;
}
const HEALTH_WAIT: HealthWait = { waitMs: 30_000, pollMs: 500 };

export async function applyPools(
  pools: Pools,
  step: Pick<PoolStep, "pools" | "drainSeconds">,
  deadlineMs: number,
  health: HealthWait = HEALTH_WAIT,
): Promise<PoolStepResult> {
  const desired = step.pools;
  const drainUntil = Date.now() + Math.min((step.drainSeconds ?? 300) * 1000, Math.max(0, deadlineMs - Date.now()));
  const lines: string[] = [];
  // both read before anything changes, together: a step's start is part of the window it closes
  const [current, own] = await Promise.all([pools.read(), pools.ownStates()]);
  const state = (backend: string, server: string) => current.find((s) => s.backend === backend && s.server === server);
  const missing = Object.entries(desired).flatMap(([b, servers]) =>
    Object.keys(servers)
      .filter((sv) => !state(b, sv))
      .map((sv) => `${b}/${sv}`),
  );
  if (missing.length)
    throw new UpchainError("LB_STATE_MISMATCH", `${pools.label} has no ${missing.join(", ")}: every cluster member must be a server of every pool backend`);
  // an operator's drain or maint is theirs: refuse, all at once, rather than undo it
  const foreign = foreignStates(new Map(current.map((s) => [key(s.backend, s.server), s.admin])), desired, own);
  if (foreign.length) throw new UpchainError("LB_STATE_MISMATCH", `${pools.label}: ${foreign.join("; ")}`);
  const changes = Object.entries(desired)
    .flatMap(([backend, servers]) => Object.entries(servers).map(([server, want]) => ({ backend, server, want, was: state(backend, server)!.admin })))
    .filter((c) => c.was !== c.want)
    .sort((a, b) => RANK[a.want] - RANK[b.want]);
  // returns first, in the members' order, one right after another: while the last member on the old
  // release is stopped the invalidation pool has no live server until they are back, so the note on
  // the balancer's machine that each is no longer upchain's (forgotten once ready) does not hold up the next
  const forgotten: Promise<void>[] = [];
  for (const c of changes.filter((c) => c.want === "ready")) {
    const now = await pools.set(c.backend, c.server, c.want);
    forgotten.push(pools.recordOwn(c.backend, c.server, "ready"));
    lines.push(`${c.backend}/${c.server}: ${c.was} -> ${now.admin}`);
  }
  const failed = (await Promise.allSettled(forgotten)).find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  const drains = changes.filter((c) => c.want === "drain");
  if (drains.length) await assertServedWithout(pools, desired, drains, Math.min(Date.now() + health.waitMs, deadlineMs), health.pollMs);
  for (const c of changes.filter((c) => c.want !== "ready")) {
    // noted before a state of upchain's is set: a run killed in between still knows it
    await pools.recordOwn(c.backend, c.server, c.want);
    const now = await pools.set(c.backend, c.server, c.want);
    lines.push(`${c.backend}/${c.server}: ${c.was} -> ${now.admin}`);
    if (c.want === "drain") {
      await pools.waitDrained(c.backend, c.server, drainUntil);
      lines.push(`${c.backend}/${c.server}: drained (no session left)`);
    }
  }
  // read everything back: the pools must be exactly what the step asked for
  const after = await pools.read();
  const wrong = Object.entries(desired).flatMap(([b, servers]) =>
    Object.entries(servers).flatMap(([sv, want]) => {
      const got = after.find((s) => s.backend === b && s.server === sv)?.admin;
      return got === want ? [] : [`${b}/${sv} is ${got ?? "missing"}, not ${want}`];
    }),
  );
  if (wrong.length) throw new UpchainError("LB_STATE_MISMATCH", `${pools.label}, read back after the changes: ${wrong.join("; ")}`);
  if (!changes.length) lines.push("the pools were already as this step wants them");
  return { code: 0, stdout: lines.join("\n") + "\n", stderr: "" };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a server that cannot serve reads, for the refusal. */
const whyNot = (s: ServerState) => (s.admin !== "ready" ? `${s.server} is in ${s.admin}` : `${s.server} is ready but DOWN (its health checks fail)`);

/**
 * Before any drain: each backend a member is drained from keeps a server that is ready and up (by the
 * balancer's health checks), other than those this step takes out. Read from the balancer until
 * `until` (a member this step just made ready is checked by the balancer before it counts as up);
 * past it, LB_STATE_MISMATCH naming each server's state, with nothing drained.
 */
async function assertServedWithout(
  pools: Pools,
  desired: PoolStep["pools"],
  drains: { backend: string; server: string }[],
  until: number,
  pollMs: number,
): Promise<void> {
  const backends = [...new Set(drains.map((d) => d.backend))];
  for (;;) {
    const now = await pools.read();
    const unserved = backends.flatMap((b) => {
      const staying = now.filter((s) => s.backend === b && (desired[b]?.[s.server] ?? "ready") === "ready");
      return staying.some((s) => s.admin === "ready" && s.health === "up") ? [] : [{ backend: b, staying }];
    });
    if (!unserved.length) return;
    if (Date.now() >= until) {
      const said = unserved.map(({ backend, staying }) => {
        const leaving = drains
          .filter((d) => d.backend === backend)
          .map((d) => d.server)
          .join(", ");
        const others = staying.length ? staying.map(whyNot).join(", ") : "it has no other server";
        return `draining ${leaving} would leave backend ${backend} with no server able to serve (${others})`;
      });
      throw new UpchainError(
        "LB_STATE_MISMATCH",
        `${pools.label}: ${said.join("; ")}. Nothing was drained: a pool counts as serving only with a server that is ready and up. ` +
          `Bring one of them back up (HAProxy's \`show servers state\` shows it up and ready), then run pulumi up again.`,
      );
    }
    await sleep(Math.max(0, Math.min(pollMs, until - Date.now())));
  }
}
