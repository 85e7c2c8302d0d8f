// Before a run starts, the executor checks the server is still where the plan starts (another run may
// have changed it while this one waited for the lock). A catalog with no documented probe is checked
// with the site's versionCommand when the stack gives it, and by the lock alone when it does not.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

function noProbe(dir: string): Catalog {
  return {
    ...trailProduct(2, "quiet"),
    hopSteps: () => [
      shStep({
        provenance: TEST_STEP,
        id: "change",
        action: "run",
        title: "change",
        destructive: false,
        commands: [`echo ran >> ${q(path.join(dir, "trail"))}`],
      }),
    ],
    restoreSteps: () => [],
  };
}

describe("the executor's check that the server is still where the plan starts, without a documented probe", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (versionProbe?: { shell: "sh"; command: string }) => {
    const c = noProbe(dir);
    return executePlan({
      host: new LocalHost(),
      catalog: c,
      plan: planUpgrade(c, { installed: "1", target: "2", platform: "linux" }),
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "quiet",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      versionProbe,
    });
  };

  it("a versionCommand that prints another version than the plan's start refuses the run before any step", async () => {
    const e = await run({ shell: "sh", command: "echo 2" }).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(isUpchainError(e, "LOCKED"), String(e));
    assert.match((e as Error).message, /the plan starts from 1, but the server now reports 2\. Nothing was run/);
    assert.strictEqual(fs.existsSync(path.join(dir, "trail")), false);
  });

  it("a versionCommand that prints the plan's start lets the run go on", async () => {
    assert.strictEqual((await run({ shell: "sh", command: "echo 1" })).reached, "2");
    assert.strictEqual(fs.readFileSync(path.join(dir, "trail"), "utf8"), "ran\n");
  });

  it("without any probe the lock alone keeps runs apart, and the run goes on", async () => {
    assert.strictEqual((await run()).reached, "2");
  });
});
