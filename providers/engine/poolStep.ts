// Carrying out a pool step: read every server's state from the balancer, make the changes that reach
// the step's desired pools (returns first, so a pool never loses its last member to the order of
// operations), wait for each drained member to finish what it serves, and read everything back.
// Idempotent: a resumed run simply does it again, and a pool already right is not touched. Only states
// upchain set itself (noted on the balancer, loadBalancer/ledger.ts) are changed back: a server an
// operator took out is refused, naming it, before anything changes.
import { UpchainError } from "../errors";
import { foreignStates } from "../loadBalancer/ledger";
import { Pools, key } from "../loadBalancer/pools";
import { PoolStep } from "./catalog";
import { PoolState } from "./rollout";

export interface PoolStepResult {
  code: number;
  stdout: string;
  stderr: string;
}

const RANK: Record<PoolState, number> = { ready: 0, drain: 1, maint: 2 };

export async function applyPools(pools: Pools, step: Pick<PoolStep, "pools" | "drainSeconds">, deadlineMs: number): Promise<PoolStepResult> {
  const desired = step.pools;
  const drainUntil = Date.now() + Math.min((step.drainSeconds ?? 300) * 1000, Math.max(0, deadlineMs - Date.now()));
  const lines: string[] = [];
  // both read before anything changes, together: a step's start is part of the window it closes
  const [current, own] = await Promise.all([pools.read(), pools.ownStates()]);
  const state = (backend: string, server: string) => current.find((s) => s.backend === backend && s.server === server);
  const missing = Object.entries(desired).flatMap(([b, servers]) => Object.keys(servers).filter((sv) => !state(b, sv)).map((sv) => `${b}/${sv}`));
  if (missing.length) throw new UpchainError("LB_STATE_MISMATCH", `${pools.label} has no ${missing.join(", ")}: every cluster member must be a server of every pool backend`);
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
