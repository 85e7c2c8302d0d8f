// A pool step drains a member only while another server of its backend can serve: ready and up by
// the balancer's health checks, not merely ready (issue 19: draining wc1 while wc2 was ready but
// DOWN reported success with no server able to serve). Against a fake balancer.
import * as assert from "assert";
import { applyPools } from "../../../providers/loadBalancer/poolStep";
import { isUpchainError } from "../../../providers/errors";
import { AdminState, Health, Pools, ServerState } from "../../../providers/loadBalancer/pools";

class Balancer implements Pools {
  readonly label = "lb1";
  log: string[] = [];
  reads = 0;
  /** Called on each read: a member's checks may pass a moment later. */
  onRead: (b: Balancer) => void = () => undefined;
  constructor(public states: ServerState[]) {}
  async read(): Promise<ServerState[]> {
    this.reads++;
    this.onRead(this);
    return this.states.map((s) => ({ ...s }));
  }
  async set(backend: string, server: string, state: AdminState): Promise<ServerState> {
    const s = this.states.find((x) => x.backend === backend && x.server === server)!;
    s.admin = state;
    this.log.push(`${backend}/${server}=${state}`);
    return { ...s };
  }
  async sessions(): Promise<number> {
    return 0;
  }
  async waitDrained(backend: string, server: string): Promise<void> {
    this.log.push(`wait ${backend}/${server}`);
  }
  /** The states upchain noted as its own (the ledger on the balancer's machine). */
  own = new Map<string, "drain" | "maint">();
  async ownStates(): Promise<Map<string, "drain" | "maint">> {
    return new Map(this.own);
  }
  async recordOwn(): Promise<void> {}
  health(server: string, health: Health): void {
    this.states.filter((s) => s.server === server).forEach((s) => (s.health = health));
  }
}

const server = (name: string, admin: AdminState, health: Health): ServerState => ({
  backend: "web",
  server: name,
  address: "10.0.0.1",
  admin,
  health,
  inherited: false,
});
const drainWc1 = { pools: { web: { wc1: "drain" as const, wc2: "ready" as const } }, drainSeconds: 5 };
const quick = { waitMs: 100, pollMs: 10 };

describe("a pool step drains a member only while another can serve (issue 19)", () => {
  it("draining wc1 while wc2 is ready but DOWN is refused, naming wc2's health; nothing is drained", async () => {
    const lb = new Balancer([server("wc1", "ready", "up"), server("wc2", "ready", "down")]);
    await assert.rejects(applyPools(lb, drainWc1, Date.now() + 60_000, quick), (e: unknown) => {
      assert.ok(isUpchainError(e, "LB_STATE_MISMATCH"), String(e));
      assert.match(
        e.message,
        /^lb1: draining wc1 would leave backend web with no server able to serve \(wc2 is ready but DOWN \(its health checks fail\)\)\. Nothing was drained/,
      );
      return true;
    });
    assert.deepStrictEqual(lb.log, [], "wc1 was not touched");
  });

  it("a member this step returns, whose checks pass a moment later, is waited for; then wc1 is drained", async () => {
    const lb = new Balancer([server("wc1", "ready", "up"), server("wc2", "maint", "down")]);
    lb.own.set("web/wc2", "maint"); // upchain took it out for its own upgrade
    lb.onRead = (b) => {
      if (b.reads >= 4) b.health("wc2", "up");
    };
    await applyPools(lb, drainWc1, Date.now() + 60_000, { waitMs: 5_000, pollMs: 10 });
    assert.deepStrictEqual(lb.log, ["web/wc2=ready", "web/wc1=drain", "wait web/wc1"]);
  });

  it("the other members in maint or drain do not count: only ready and up does", async () => {
    const lb = new Balancer([server("wc1", "ready", "up"), server("wc2", "ready", "up"), server("wc3", "drain", "up"), server("wc4", "maint", "up")]);
    const step = { pools: { web: { wc1: "drain" as const, wc2: "drain" as const, wc3: "drain" as const, wc4: "maint" as const } } };
    await assert.rejects(
      applyPools(lb, step, Date.now() + 60_000, quick),
      /draining wc1, wc2 would leave backend web with no server able to serve \(it has no other server\)/,
    );
  });

  it("with another member ready and up, the drain goes on at once", async () => {
    const lb = new Balancer([server("wc1", "ready", "up"), server("wc2", "ready", "up")]);
    const r = await applyPools(lb, drainWc1, Date.now() + 60_000, quick);
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(lb.log, ["web/wc1=drain", "wait web/wc1"]);
  });
});
