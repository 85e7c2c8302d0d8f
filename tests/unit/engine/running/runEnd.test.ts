// The run's end in one exec (runEnd.ts): journal "done" written, archived, the machine's lock released,
// under the fence. A run that lost its lock touches nothing; a script that fails half-way leaves the lock
// to be released as before; an end tried again after its answer was lost finds its own work done.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { machineLock } from "../../../../providers/engine/running/fence";
import { journalPath, newJournal, parseJournal, writeJournal } from "../../../../providers/engine/running/journal";
import { HostLock, RELEASED_WORD as RELEASED, acquireLock } from "../../../../providers/engine/running/lock";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { endRun, versionAtEnd } from "../../../../providers/engine/running/runEnd";
import { isUpchainError } from "../../../../providers/errors";
import { LocalHost, tempDir } from "../../../support/localHost";
import { trailProduct } from "../../../support/trailProduct";
import { TEST_STEP } from "../../../support/testProvenance";
import { shStep } from "../../../../providers/engine/planning/catalog";

describe("the run's end in one exec (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  let host: LocalHost;
  let lock: HostLock;
  const plan = () => {
    const c = {
      ...trailProduct(2, "trail"),
      hopSteps: () => [shStep({ provenance: TEST_STEP, id: "s", action: "backup" as const, title: "s", destructive: false, commands: ["true"] })],
      restoreSteps: () => [],
    };
    return planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
  };
  const history = (run: string) => path.join(dir, "history", `trail.${run}.json`);
  beforeEach(async () => {
    dir = tempDir();
    host = new LocalHost();
    lock = await acquireLock(host, dir, "trail", "20260101T000000-aaaaaa", 60);
  });
  afterEach(async () => {
    await lock.release().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function runningJournal() {
    const j = newJournal("20260101T000000-aaaaaa", plan());
    await writeJournal(host, dir, "trail", j, lock.fence);
    j.next = j.steps;
    j.status = "done";
    return j;
  }

  it("writes the journal done, archives it and releases the lock in one exec, and the release after it sends nothing", async () => {
    const j = await runningJournal();
    const before = host.commands.length;
    await endRun(host, dir, "trail", j, lock);
    assert.strictEqual(host.commands.length - before, 1, host.commands.slice(before).join("\n---\n"));
    assert.ok(!fs.existsSync(journalPath(dir, "trail")));
    assert.strictEqual(parseJournal(fs.readFileSync(history(j.run), "utf8"), "h").status, "done");
    assert.ok(!fs.existsSync(machineLock(dir).dir), "the lock is gone");
    const after = host.commands.length;
    await lock.release();
    assert.strictEqual(host.commands.length, after, "nothing is left to release");
  });

  it("a run that lost its lock touches nothing: LOCK_LOST, its journal still in place, the other run's lock kept", async () => {
    const j = await runningJournal();
    const other = `20260101T000001-bbbbbb ${Math.floor(Date.now() / 1000)} 0 1@other other\n`;
    fs.writeFileSync(machineLock(dir).owner, other);
    await assert.rejects(endRun(host, dir, "trail", j, lock), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
    assert.strictEqual(parseJournal(fs.readFileSync(journalPath(dir, "trail"), "utf8"), "j").status, "running");
    assert.ok(!fs.existsSync(history(j.run)));
    assert.strictEqual(fs.readFileSync(machineLock(dir).owner, "utf8"), other);
  });

  it("a journal that cannot be written leaves the lock held and the release removes it as before", async () => {
    const j = await runningJournal();
    // the script fails before the journal is written (as a full disk would): nothing after it runs
    const failing = new LocalHost();
    failing.exec = (command, o) => host.exec(command.replace(/\(\n/, "(\nexit 1\n"), o);
    await assert.rejects(endRun(failing, dir, "trail", j, lock), (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED"));
    assert.ok(fs.existsSync(machineLock(dir).owner), "the lock is still held");
    assert.ok(fs.existsSync(journalPath(dir, "trail")));
    await lock.release();
    assert.ok(!fs.existsSync(machineLock(dir).dir), "released by the handle");
  });

  it("tried again after its answer was lost, the end finds its own work done and succeeds, sending no release", async () => {
    const j = await runningJournal();
    const lost = new LocalHost();
    let first = true;
    lost.exec = async (command, o) => {
      const r = await host.exec(command, o);
      if (first) {
        first = false;
        throw Object.assign(new Error("the connection dropped"), { code: "CONNECTION_FAILED" });
      }
      return r;
    };
    await assert.rejects(endRun(lost, dir, "trail", j, lock), /dropped/);
    assert.ok(!fs.existsSync(machineLock(dir).dir), "the first try released the lock");
    await endRun(lost, dir, "trail", j, lock);
    const n = host.commands.length;
    await lock.release();
    assert.strictEqual(host.commands.length, n);
  });

  it("a retry after another run took the lock and its own journal is still there is LOCK_LOST", async () => {
    const j = await runningJournal();
    fs.rmSync(machineLock(dir).dir, { recursive: true, force: true });
    await assert.rejects(endRun(host, dir, "trail", j, lock), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
    assert.ok(fs.existsSync(journalPath(dir, "trail")), "the journal was not touched");
  });

  it("with the version probe, the same exec reads the version after the release, framed so the probe's output cannot pass for anything else", async () => {
    const j = await runningJournal();
    const before = host.commands.length;
    const probe = `printf 'version 0 Zm9yZ2Vk\\n${RELEASED}\\n2\\n'; [ ! -e ${machineLock(dir).dir} ]`;
    const end = await endRun(host, dir, "trail", j, lock, probe);
    assert.strictEqual(host.commands.length - before, 1);
    assert.deepStrictEqual(end.version, { code: 0, stdout: `version 0 Zm9yZ2Vk\n${RELEASED}\n2\n` }, "read after the lock was gone, whole");
    assert.strictEqual(versionAtEnd("version 0 !!notbase64"), undefined);
  });

  it("a probe that fails answers its exit status, and the run's end still succeeds", async () => {
    const j = await runningJournal();
    const end = await endRun(host, dir, "trail", j, lock, "echo oops >&2; exit 3");
    assert.deepStrictEqual(end.version, { code: 3, stdout: "" });
    assert.ok(!fs.existsSync(machineLock(dir).dir));
  });
});
