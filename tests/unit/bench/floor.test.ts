// The floor's script, run here with sh: every step's commands in order; the resumable floor adds one
// synced journal write per step that succeeded, so after a failure the journal names the failed step.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { floorScript } from "../../../bench/floor";
import { PlannedStep } from "../../../providers/engine/planning/planner";
import { TEST_STEP } from "../../support/testProvenance";
import { tempDir } from "../../support/localHost";

const step = (id: string, command: string): PlannedStep =>
  ({ hop: "1->2", id, action: "run", title: id, destructive: false, commands: [command], provenance: TEST_STEP }) as PlannedStep;

describe("bench floor script", () => {
  it("the plain floor runs every step and writes no journal", () => {
    const dir = tempDir("floor-");
    const out = execFileSync("sh", ["-s"], { input: floorScript([step("a", `echo a >> ${dir}/log`), step("b", `echo b >> ${dir}/log`)]), encoding: "utf8" });
    assert.strictEqual(fs.readFileSync(path.join(dir, "log"), "utf8"), "a\nb\n");
    assert.strictEqual(out.match(/^@@ \d+ end \d+ 0$/gm)?.length, 2);
    assert.deepStrictEqual(fs.readdirSync(dir), ["log"]);
  });

  it("the resumable floor writes the next step's index once per step, synced and renamed into place", () => {
    const dir = tempDir("floor-");
    const journal = path.join(dir, "state", "journal");
    const script = floorScript([step("a", "true"), step("b", "true"), step("c", "true")], journal);
    assert.strictEqual(script.match(/sync -- '[^']*journal\.tmp'/g)?.length, 3);
    execFileSync("sh", ["-s"], { input: script });
    assert.strictEqual(fs.readFileSync(journal, "utf8"), '{"next":3}\n');
    assert.deepStrictEqual(fs.readdirSync(path.dirname(journal)), ["journal"]);
  });

  it("after a failed step the resumable floor's journal names that step, and the script exits with its code", () => {
    const dir = tempDir("floor-");
    const journal = path.join(dir, "journal");
    const r = spawnSync("sh", ["-s"], { input: floorScript([step("a", "true"), step("b", "exit 7"), step("c", "true")], journal), encoding: "utf8" });
    assert.strictEqual(r.status, 7);
    assert.strictEqual(fs.readFileSync(journal, "utf8"), '{"next":1}\n');
    assert.match(r.stdout, /^@@ 1 end \d+ 7$/m);
  });
});
