// What to change to bring the balancer from what it is to what is wanted, in an order that keeps each
// backend serving: every server that comes back (to ready) is put back before any is taken out, so
// along the way a backend never has fewer ready servers than at the start or at the end. Used when a
// killed rollout is resumed and the balancer was left half-way. Pure.
import { UpchainError } from "../errors";
import { AdminState, ServerState, key } from "./pools";

export interface DesiredState {
  backend: string;
  server: string;
  admin: AdminState;
}

export interface Change {
  backend: string;
  server: string;
  from: AdminState;
  to: AdminState;
}

export function reconcile(current: readonly ServerState[], desired: readonly DesiredState[]): Change[] {
  const now = new Map(current.map((s) => [key(s.backend, s.server), s.admin]));
  const wanted = new Map<string, AdminState>();
  const changes: Change[] = [];
  desired.forEach((d, i) => {
    const k = key(d.backend, d.server);
    const from = now.get(k);
    if (from === undefined)
      throw new UpchainError("INVALID_INPUT", `desired[${i}]: ${k} is not a server the balancer has (it has ${[...now.keys()].join(", ") || "none"})`, [
        "desired",
        i,
      ]);
    if (wanted.has(k) && wanted.get(k) !== d.admin)
      throw new UpchainError("INVALID_INPUT", `desired[${i}]: ${k} is wanted both ${wanted.get(k)} and ${d.admin}`, ["desired", i]);
    if (wanted.has(k)) return;
    wanted.set(k, d.admin);
    if (from !== d.admin) changes.push({ backend: d.backend, server: d.server, from, to: d.admin });
  });
  // returns first, then removals, each group in the order the caller gave (a document's order);
  // the sort is stable
  const returning = (c: Change) => (c.to === "ready" ? 0 : 1);
  return changes.sort((a, b) => returning(a) - returning(b));
}

/** How many servers of each backend are ready after each change (index 0: before any). */
export function readyAlong(current: readonly ServerState[], changes: readonly Change[]): Map<string, number>[] {
  const state = new Map(current.map((s) => [key(s.backend, s.server), s]));
  const count = () => {
    const m = new Map<string, number>();
    for (const s of state.values()) m.set(s.backend, (m.get(s.backend) ?? 0) + (s.admin === "ready" ? 1 : 0));
    return m;
  };
  const out = [count()];
  for (const c of changes) {
    const s = state.get(key(c.backend, c.server))!;
    state.set(key(c.backend, c.server), { ...s, admin: c.to });
    out.push(count());
  }
  return out;
}
