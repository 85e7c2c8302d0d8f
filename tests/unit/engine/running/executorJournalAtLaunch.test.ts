// The journal rides on the launches: a step launched detached writes the journal naming it in flight in
// its own launch script, before it starts it, and "next" is not written on its own but with the next
// step's launch. Every guarantee of a separate write stays: the journal names a step before the step
// exists, a launch whose journal cannot be written starts nothing, and a run killed between a step's
// end and the next launch resumes by reading how that step ended, never running it again.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { journalPath, parseJournal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { ExecOptions } from "../../../../providers/transport/remoteHost";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** One hop 1 -> 2: backup, change, start; each step appends its id to `trail` and copies the journal as it finds it to `seen-<id>`. */
function chain(dir: string, state: string): Catalog {
  const step = (id: string, action: "backup" | "run", extra: string[] = []) =>
    shStep({
      provenance: TEST_STEP,
      id,
      action,
      title: id,
      destructive: action === "run",
      commands: [`cp ${q(journalPath(state, "trail"))} ${q(path.join(dir, `seen-${id}`))}`, `echo ${id} >> ${q(path.join(dir, "trail"))}`, ...extra],
    });
  return {
    ...trailProduct(),
    hopSteps: (hop) => [step("backup", "backup"), step("change", "run", [`echo ${hop.to} > ${q(path.join(dir, "version"))}`]), step("start", "run")],
    restoreSteps: () => [
      shStep({
        provenance: TEST_STEP,
        id: "restore",
        action: "restore",
        title: "restore",
        destructive: true,
        commands: [`echo restore >> ${q(path.join(dir, "trail"))}`],
      }),
    ],
    probeVersion: () => ({ shell: "sh", command: `cat ${q(path.join(dir, "version"))}` }),
  };
}

describe("executor: the journal written in each step's launch (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, "version"), "1\n");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const state = () => path.join(dir, "state");
  const trail = () => (fs.existsSync(path.join(dir, "trail")) ? fs.readFileSync(path.join(dir, "trail"), "utf8").trim().split("\n") : []);
  const run = (host: LocalHost, log: string[] = []) => {
    const c = chain(dir, state());
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    return executePlan({
      host,
      catalog: c,
      plan,
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "trail",
      stateDir: state(),
      pollMs: 500,
      contactTimeoutMs: 1000,
      log: (l) => log.push(l),
    });
  };

  it("each step finds the journal already naming it in flight, with the steps before it done: written and synced before it started", async () => {
    await run(new LocalHost());
    assert.deepStrictEqual(trail(), ["backup", "change", "start"]);
    ["backup", "change", "start"].forEach((id, index) => {
      const seen = parseJournal(fs.readFileSync(path.join(dir, `seen-${id}`), "utf8"), id);
      assert.deepStrictEqual(seen.inFlight, { index }, `${id} is named in flight`);
      assert.strictEqual(seen.next, index, `the steps before ${id} are recorded done`);
      assert.deepStrictEqual(
        seen.timeline.filter((e) => e.outcome === "ok").map((e) => e.step),
        Array.from({ length: index }, (_, i) => i),
      );
    });
  });

  it("a launch whose journal cannot be written starts nothing: the step fails with the write's error, and the hop is restored as for any failed step", async () => {
    const host = new LocalHost();
    const exec = host.exec.bind(host);
    let launches = 0;
    // the change step's launch: its journal copy arrives with a checksum that does not match
    host.exec = async (command: string, options?: ExecOptions) => {
      if (command.includes("upchain-step") && ++launches === 2)
        return exec(command, { ...options, stdin: options!.stdin!.replace(/^[0-9a-f]{64}/, "0".repeat(64)) });
      return exec(command, options);
    };
    await assert.rejects(
      run(host),
      (e: unknown) => isUpchainError(e, "STEP_FAILED") && /writing .*trail\.journal\.json failed, so the step was not started/.test((e as Error).message),
    );
    assert.deepStrictEqual(trail(), ["backup", "restore"], "the change never ran");
    assert.ok(!fs.existsSync(path.join(dir, "seen-change")));
    assert.ok(!fs.existsSync(path.join(state(), "runs", fs.readdirSync(path.join(state(), "runs"))[0], "001-change")), "no folder for the change");
  });

  it("a run killed after a step ended and before the next launch leaves the journal naming that step in flight; the next run takes its exit status and does not run it again", async () => {
    const host = new LocalHost();
    const exec = host.exec.bind(host);
    let dead = false;
    // the controller dies as it is about to launch the change: the backup has ended, its result read
    host.exec = async (command: string, options?: ExecOptions) => {
      if (command.includes("upchain-step") && command.includes("001-change")) dead = true;
      if (dead) throw new Error("controller killed");
      return exec(command, options);
    };
    await assert.rejects(run(host));
    const left = parseJournal(fs.readFileSync(journalPath(state(), "trail"), "utf8"), "left");
    assert.deepStrictEqual([left.next, left.inFlight], [0, { index: 0 }], "the journal still names the backup in flight");
    fs.rmSync(path.join(state(), "machine.lock"), { recursive: true, force: true }); // its lock, gone stale
    const log: string[] = [];
    await run(new LocalHost(), log);
    assert.deepStrictEqual(trail(), ["backup", "change", "start"], "the backup ran once; the rest after it");
    assert.ok(
      log.some((l) => /backup: in flight when the last run was interrupted/.test(l)),
      log.join("\n"),
    );
  });
});
