// The reads a run starts with under its lock, in one exec: each part says what its own exec said, and an
// answer that is not exactly the script's frame is no answer (the executor reads them one by one then).
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { journalPath, newJournal, readJournal, writeJournal } from "../../../../providers/engine/running/journal";
import { liveSteps } from "../../../../providers/engine/running/machineRuns";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { parseRunStart, readRunStart } from "../../../../providers/engine/running/runStart";
import { isUpchainError } from "../../../../providers/errors";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";
import { Catalog } from "../../../../providers/engine/planning/catalog";
import { trailProduct } from "../../../support/trailProduct";

const OURS = "20261207T120000-aaaaaa";
const OTHER = "20261207T110000-bbbbbb";

const catalog: Catalog = {
  ...trailProduct(),
  hopSteps: () => [],
  restoreSteps: () => [],
};

describe("the run's first reads under its lock, in one exec (local fake transport)", function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the journal, another run's step still running, an old secrets file swept and the version: each as its own read says, in one exec", async () => {
    const state = path.join(dir, "state");
    fs.mkdirSync(state);
    await writeJournal(
      new LocalHost(),
      state,
      "trail",
      { ...newJournal(OTHER, planUpgrade(catalog, { installed: "1", target: "2", platform: "linux" })) },
      UNFENCED,
    );
    // another run's step, alive: its pid and its start time as the launcher records them
    const step = path.join(state, "runs", OTHER, "000-backup");
    fs.mkdirSync(step, { recursive: true });
    const sleeper = spawn("sleep", ["30"]);
    try {
      fs.writeFileSync(path.join(step, "pid"), `${sleeper.pid}\n`);
      fs.writeFileSync(path.join(step, "start"), fs.readFileSync(`/proc/${sleeper.pid}/stat`, "utf8").replace(/.*\) /s, "").split(" ")[19] + "\n");
      const oldEnv = path.join(state, "runs", OTHER, "001-change", "env");
      fs.mkdirSync(path.dirname(oldEnv));
      fs.writeFileSync(oldEnv, "export UPCHAIN_SECRET_X='s'\n");
      fs.utimesSync(oldEnv, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
      const host = new LocalHost();
      const start = await readRunStart(host, state, "trail", OURS, "printf '1.2\\n\\n'; exit 3");
      assert.strictEqual(host.commands.length, 1, "one exec");
      assert.ok(start, "the answer is the script's frame");
      assert.deepStrictEqual(start.journal, await readJournal(new LocalHost(), state, "trail"));
      assert.deepStrictEqual(start.liveSteps, await liveSteps(new LocalHost(), state, OURS));
      assert.deepStrictEqual(start.liveSteps, [`${OTHER}/000-backup`]);
      assert.ok(!fs.existsSync(oldEnv), "the old secrets file was swept");
      assert.strictEqual(start.sweepError, undefined);
      assert.deepStrictEqual(
        start.version,
        { code: 3, stdout: "1.2\n\n" },
        "the probe's stdout exactly, and its exit status; its exit ended only its own part",
      );
    } finally {
      sleeper.kill();
    }
  });

  it("a host with no state yet: no journal, nothing running, and no probe asked for is none read", async () => {
    const start = await readRunStart(new LocalHost(), path.join(dir, "none"), "trail", OURS);
    assert.deepStrictEqual(start, { journal: undefined, liveSteps: [] });
  });

  it("a journal that is not one upchain writes is JOURNAL_INVALID naming the file, as readJournal says", async () => {
    const state = path.join(dir, "state");
    fs.mkdirSync(state);
    fs.writeFileSync(journalPath(state, "trail"), "{ not json");
    await assert.rejects(
      readRunStart(new LocalHost(), state, "trail", OURS),
      (e: unknown) => isUpchainError(e, "JOURNAL_INVALID") && (e as Error).message.includes(journalPath(state, "trail")),
    );
  });

  it("an answer that is not exactly the frame (cut short, a stray line, bad base64, a failed listing) is no answer", () => {
    const good = "sweep 0 \njournal absent\nlive-rc 0\nversion 0 MQo=\nend\n";
    assert.deepStrictEqual(parseRunStart(good, "w", true), { journal: undefined, liveSteps: [], version: { code: 0, stdout: "1\n" } });
    for (const bad of [
      "sweep 0 \njournal absent\nlive-rc 0\nversion 0 MQo=\n",
      "sweep 0 \njournal absent\nlive-rc 0\nhello\nversion 0 MQo=\nend\n",
      "sweep 0 \njournal absent\nlive-rc 0\nversion 0 M*o=\nend\n",
      "sweep 0 \njournal absent\nlive-rc 1\nversion 0 MQo=\nend\n",
      "sweep 0 \njournal unreadable\nlive-rc 0\nversion 0 MQo=\nend\n",
      "sweep 0 \njournal absent\nlive-rc 0\nend\n",
    ]) {
      assert.strictEqual(parseRunStart(bad, "w", true), undefined, JSON.stringify(bad));
    }
  });
});
