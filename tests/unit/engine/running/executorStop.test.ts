// Ctrl-C during a run, on a local fake transport: the hop in progress runs to its end, the next one
// never starts, the run says so at once and ends with STOPPED, and nothing is left to resume.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { journalPath } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { createStopSignal } from "../../../../providers/engine/running/stopSignal";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** 1 -> 2 -> 3, each hop three steps that append "<hop> <step>" to `trail`; the middle step of 1->2 waits for `gate`. */
function twoHops(dir: string): Catalog {
  const trail = path.join(dir, "trail");
  const gate = path.join(dir, "gate");
  const mark = (hop: string, id: string) => `echo ${q(`${hop} ${id}`)} >> ${q(trail)}`;
  return {
    ...trailProduct(3),
    hopSteps: (hop) => {
      const key = `${hop.from}->${hop.to}`;
      return [
        shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "backup", destructive: false, commands: [mark(key, "backup")] }),
        shStep({
          provenance: TEST_STEP,
          id: "change",
          action: "run",
          title: "change",
          destructive: true,
          commands: [mark(key, "change"), ...(key === "1->2" ? [`while [ ! -e ${q(gate)} ]; do sleep 0.05; done`] : [])],
        }),
        shStep({ provenance: TEST_STEP, id: "verify", action: "verify", title: "verify", destructive: false, commands: [mark(key, "verify")] }),
      ];
    },
    restoreSteps: () => [],
    probeVersion: () => ({ shell: "sh", command: "echo 1" }),
  };
}

describe("Ctrl-C during a run (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const trail = () => fs.readFileSync(path.join(dir, "trail"), "utf8").trim().split("\n");
  const run = (stop = createStopSignal(), lines: string[] = []) => {
    const c = twoHops(dir);
    return executePlan({
      host: new LocalHost(),
      catalog: c,
      plan: planUpgrade(c, { installed: "1", target: "3", platform: "linux" }),
      ctx: { platform: "linux", releases: ["1", "2", "3"], options: {} },
      resource: "trail",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      log: (l) => lines.push(l),
      stop,
    });
  };

  it("Ctrl-C during hop 1 of two: it is acknowledged at once, hop 1 runs to its end, hop 2 never starts, and the run ends STOPPED at 2", async () => {
    const stop = createStopSignal();
    const lines: string[] = [];
    const running = run(stop, lines);
    const outcome = running.then(
      () => undefined,
      (e: unknown) => e,
    );
    while (!fs.existsSync(path.join(dir, "trail")) || !trail().includes("1->2 change")) await new Promise((r) => setTimeout(r, 20));
    stop.request();
    assert.match(lines[lines.length - 1], /^Ctrl-C: stopping after this hop \(1->2\): .* hop 2->3 is not started\./, "said at once, while the step still runs");
    fs.writeFileSync(path.join(dir, "gate"), "");
    const e = await outcome;
    assert.ok(isUpchainError(e, "STOPPED"), String(e));
    assert.match(
      (e as Error).message,
      /^local-fake: stopped after hop 1->2 as asked \(Ctrl-C\): the server runs 2, checked by that hop; hop 2->3 was not started\. Run pulumi up again to go on from 2 to 3\.$/,
    );
    assert.deepStrictEqual(trail(), ["1->2 backup", "1->2 change", "1->2 verify"], "hop 1 ended with its check; no step of hop 2 ran");
    assert.strictEqual(fs.existsSync(journalPath(path.join(dir, "state"), "trail")), false, "nothing left to resume: the next run plans from 2");
    const [archived] = fs.readdirSync(path.join(dir, "state/history"));
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(dir, "state/history", archived), "utf8")).status, "stopped");
    assert.strictEqual(fs.existsSync(path.join(dir, "state/machine.lock")), false, "the lock is released");
  });

  it("with no Ctrl-C the same run walks both hops", async () => {
    fs.writeFileSync(path.join(dir, "gate"), "");
    const r = await run();
    assert.strictEqual(r.reached, "3");
    assert.strictEqual(trail().length, 6);
  });

  it("Ctrl-C before the run starts: no step runs, and the run says it stopped before the first hop", async () => {
    const stop = createStopSignal();
    stop.request();
    const lines: string[] = [];
    await assert.rejects(run(stop, lines), (e: unknown) => isUpchainError(e, "STOPPED") && /stopped before hop 1->2 as asked/.test((e as Error).message));
    assert.ok(
      lines.some((l) => /^Ctrl-C: stopping before the first hop/.test(l)),
      lines.join("\n"),
    );
    assert.strictEqual(fs.existsSync(path.join(dir, "trail")), false);
  });
});
