// A pool step changes the load balancer, which no script on the host can fence, so it is preceded by
// the guard's check on the host (executor.ts stillMine): unless the host proved the lock this run's
// within FRESH_PROOF_MS (the journal write just before does), when a second round trip would only
// lengthen the cluster's handover. On the local fake transport, with a fake balancer.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { ExecuteOptions, FRESH_PROOF_MS, executePlan } from "../../../../providers/engine/running/executor";
import { machineLock } from "../../../../providers/engine/running/fence";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { poolRunner } from "../../../../providers/loadBalancer/poolRunner";
import { Pools, ServerState } from "../../../../providers/loadBalancer/pools";
import { CountingHost } from "../../../support/countingHost";
import { tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** What reached the host and the balancer, in order. */
type Event = "proof" | "journal" | "exec" | "pools.read";

/** A balancer whose member is already where the step wants it: the step reads it, changes nothing. */
function fakePools(events: Event[]): Pools {
  const m1: ServerState = { backend: "web", server: "m1", address: "10.0.0.1", admin: "ready", health: "up", inherited: false };
  const no = () => Promise.reject(new Error("the step should change nothing"));
  return {
    label: "fake balancer",
    read: async () => (events.push("pools.read"), [m1]),
    set: no,
    sessions: async () => 0,
    waitDrained: no,
    ownStates: async () => new Map(),
    recordOwn: async () => undefined,
  };
}

const catalog: Catalog = {
  ...trailProduct(2, "pooled"),
  hopSteps: () => [
    shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "backup", destructive: false, commands: [":"] }),
    shStep({ provenance: TEST_STEP, id: "change", action: "run", title: "change", destructive: true, commands: [":"] }),
    shStep({ provenance: TEST_STEP, id: "ready", action: "pool", title: "m1 ready in web", destructive: false, commands: [], pools: { web: { m1: "ready" } } }),
  ],
  restoreSteps: () => [shStep({ provenance: TEST_STEP, id: "restore", action: "restore", title: "restore", destructive: true, commands: [":"] })],
};

describe("a pool step's check that the lock is still this run's (executor stillMine, FRESH_PROOF_MS)", function () {
  this.timeout(30_000);
  let dir: string;
  let events: Event[];
  const realNow = Date.now;
  beforeEach(() => {
    dir = tempDir();
    events = [];
  });
  afterEach(() => {
    Date.now = realNow;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the plan; `pools` replaces the balancer's connection, which the pool step opens just before its check. */
  const run = (
    extra: Partial<ExecuteOptions> = {},
    pools = async () => {
      events.push("exec"); // marks the moment: what follows is the step's own
      return fakePools(events);
    },
  ) =>
    executePlan({
      // a heartbeat is one more exec here, as for any other command
      host: new CountingHost((kind) => events.push(kind === "heartbeat" ? "exec" : kind)),
      catalog,
      plan: planUpgrade(catalog, { installed: "1", target: "2", platform: "linux" }),
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "pooled",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      contactTimeoutMs: 5000,
      ...extra,
      runners: { pool: poolRunner(pools) },
    });
  /** The events from the pool step's start (its balancer connection) to its first read of the balancer. */
  const poolStepStart = () => {
    const from = events.lastIndexOf("journal", events.indexOf("pools.read"));
    return events.slice(from, events.indexOf("pools.read") + 1);
  };
  /** Moves this process's clock on by `ms` (the proof of the journal write then looks that old). */
  const later = (ms: number) => {
    const skew = ms;
    Date.now = () => realNow.call(Date) + skew;
  };

  it("a pool step right after the journal write makes no extra round trip to the host before it reads the balancer", async () => {
    const r = await run();
    assert.strictEqual(r.reached, "2");
    const start = poolStepStart();
    assert.strictEqual(start[0], "journal", `the journal was written before the step: ${start.join(", ")}`);
    assert.ok(!start.includes("proof"), `no proof-only round trip: ${start.join(", ")}`);
    assert.deepStrictEqual(start, ["journal", "exec", "pools.read"]);
  });

  it("a pool step whose proof is older than the limit asks the host again, before it touches the balancer", async () => {
    const r = await run({}, async () => (later(FRESH_PROOF_MS + 1_000), events.push("exec"), fakePools(events)));
    assert.strictEqual(r.reached, "2");
    const start = poolStepStart();
    assert.deepStrictEqual(start, ["journal", "exec", "proof", "pools.read"], `asked once, between the step's start and the balancer: ${start.join(", ")}`);
  });

  it("a lost lock found by that check stops the run with LOCK_LOST before the balancer is touched", async () => {
    const owner = machineLock(path.join(dir, "state")).owner;
    const taken = async () => {
      later(FRESH_PROOF_MS + 1_000);
      // another run took the machine's lock over while this one was away
      fs.writeFileSync(owner, `20261207T120000-other ${Math.floor(realNow() / 1000)} 0 1@elsewhere pooled\n`);
      events.push("exec");
      return fakePools(events);
    };
    await assert.rejects(
      run({}, taken),
      (e: unknown) => isUpchainError(e, "LOCK_LOST") && /20261207T120000-other/.test((e as Error).message) && /m1 ready in web/.test((e as Error).message),
    );
    assert.ok(!events.includes("pools.read"), `the balancer was not read: ${events.join(", ")}`);
    assert.strictEqual(events[events.length - 1], "proof", `the check was the last thing sent anywhere: ${events.slice(-4).join(", ")}`);
  });
});
