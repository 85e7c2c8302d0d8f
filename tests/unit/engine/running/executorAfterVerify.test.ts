// A verified upgrade is never rolled back: once a hop's verify step succeeded, a later step of that
// hop that fails (an optional backup, a setting put back) warns, is recorded as "warned" in the
// journal's timeline and the run's record, and the run goes on with the hop's remaining steps and
// the next hop. Local fake transport; each step appends its id to a trail file.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { RunRecord, runRecord } from "../../../../providers/engine/running/runRecord";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** Two hops 1 -> 2 -> 3; `fail` names the steps (as "<to>:<id>") that exit 1 with a message on stderr. */
function catalog(trail: string, fail: string[]): Catalog {
  const step = (to: string, id: string, action: "run" | "backup" | "verify", destructive: boolean) =>
    shStep({
      provenance: TEST_STEP,
      id,
      action,
      title: `${id} for ${to}`,
      destructive,
      commands: [`echo ${q(`${to}:${id}`)} >> ${q(trail)}`, ...(fail.includes(`${to}:${id}`) ? [`echo ${q(`${id} could not finish`)} >&2`, "exit 1"] : [])],
    });
  return {
    ...trailProduct(3),
    hopSteps: (hop) => [
      step(hop.to, "backup", "backup", false),
      step(hop.to, "change", "run", true),
      step(hop.to, "verify", "verify", false),
      // a second check, as the site's versionCommand adds after the document's (engine/planning/versionCheck.ts)
      step(hop.to, "verify-version", "verify", false),
      step(hop.to, "backup-after", "run", false),
      step(hop.to, "setting-back", "run", false),
    ],
    restoreSteps: (hop) => [
      shStep({
        provenance: TEST_STEP,
        id: "restore",
        action: "restore",
        title: "restore",
        destructive: true,
        commands: [`echo ${q(`${hop.to}:restore`)} >> ${q(trail)}`],
      }),
    ],
    recoverSteps: (hop) => [
      shStep({
        provenance: TEST_STEP,
        id: "start-old",
        action: "restore",
        title: "start old",
        destructive: false,
        commands: [`echo ${q(`${hop.to}:start-old`)} >> ${q(trail)}`],
      }),
    ],
    probeVersion: () => ({ shell: "sh", command: "echo 1" }),
  };
}

async function run(fail: string[]): Promise<{ trail: string[]; error: unknown; logs: string[]; record?: RunRecord }> {
  const dir = tempDir();
  const trail = path.join(dir, "trail");
  const c = catalog(trail, fail);
  const plan = planUpgrade(c, { installed: "1", target: "3", platform: "linux" });
  const logs: string[] = [];
  let record: RunRecord | undefined;
  const error = await executePlan({
    host: new LocalHost(),
    catalog: c,
    plan,
    ctx: { platform: "linux", releases: ["1", "2", "3"], options: {} },
    resource: "trail",
    stateDir: path.join(dir, "state"),
    pollMs: 20,
    log: (line: string) => logs.push(line),
    onFinish: (j) => (record = runRecord(j, plan, c, "local-fake", "trail")),
  }).then(
    () => undefined,
    (e) => e,
  );
  const lines = fs.existsSync(trail) ? fs.readFileSync(trail, "utf8").trim().split("\n") : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { trail: lines, error, logs, record };
}

const everyStep = (to: string) => ["backup", "change", "verify", "verify-version", "backup-after", "setting-back"].map((id) => `${to}:${id}`);

describe("executor: a verified upgrade is never rolled back (local fake transport)", function () {
  this.timeout(30_000);

  const cases: { name: string; fail: string[] }[] = [
    { name: "an optional backup after verify fails: no restore, the hop's remaining steps and the next hop run", fail: ["2:backup-after"] },
    { name: "putting a setting back after verify fails: no restore, the next hop runs", fail: ["2:setting-back"] },
    {
      name: "both steps after verify fail on both hops: each warns, the chain still reaches the target",
      fail: ["2:backup-after", "2:setting-back", "3:backup-after", "3:setting-back"],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { trail, error, logs, record } = await run(c.fail);
      assert.strictEqual(error, undefined, `the run succeeds: ${String(error)}`);
      assert.deepStrictEqual(trail, [...everyStep("2"), ...everyStep("3")], "every step ran, no restore or recovery step");
      const warnings = logs.filter((l) => l.includes("WARNING"));
      assert.strictEqual(warnings.length, c.fail.length, `one warning per failed step: ${logs.join("\n")}`);
      for (const f of c.fail) {
        const [to, id] = f.split(":");
        const w = warnings.find((l) => l.includes(`(${id})`) && l.includes(`[`) && l.includes(`${to}`));
        assert.ok(w, `a warning names ${id} of the hop to ${to}`);
        assert.match(w, new RegExp(`${to} stays installed, nothing was rolled back; check that its services run. Do this step by hand: ${id} for ${to}`));
        assert.match(w, /could not finish/, "it carries the step's error");
      }
      assert.ok(record);
      const warned = record.steps.filter((s) => s.outcome === "warned").map((s) => `${s.hop}:${s.id}`);
      assert.deepStrictEqual(
        warned.sort(),
        c.fail.map((f) => `${Number(f[0]) - 1}->${f[0]}:${f.split(":")[1]}`).sort(),
        "the run's record marks each as warned",
      );
      assert.strictEqual(record.status, "done");
    });
  }

  it("a step before verify that fails still restores the hop (the rule covers only what follows a successful verify)", async () => {
    const { trail, error, logs } = await run(["2:change"]);
    assert.ok(error, "the run fails");
    assert.deepStrictEqual(trail, ["2:backup", "2:change", "2:restore", "2:start-old"]);
    assert.ok(!logs.some((l) => l.includes("WARNING")));
  });

  it("a failing verify restores the hop", async () => {
    const { trail, error } = await run(["2:verify"]);
    assert.ok(error, "the run fails");
    assert.deepStrictEqual(trail, ["2:backup", "2:change", "2:verify", "2:restore", "2:start-old"]);
  });

  it("a second verify step that fails after the first passed (the site's version check) restores the hop: the hop is verified only when all its checks pass", async () => {
    const { trail, error, logs } = await run(["2:verify-version"]);
    assert.ok(error, "the run fails");
    assert.deepStrictEqual(trail, ["2:backup", "2:change", "2:verify", "2:verify-version", "2:restore", "2:start-old"]);
    assert.ok(!logs.some((l) => l.includes("WARNING")));
  });
});
