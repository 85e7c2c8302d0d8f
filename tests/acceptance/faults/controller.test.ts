// Fault matrix, the controller killed (SIGKILL, like a crashed `pulumi up`) during a step, an upload,
// the restore and a reboot wait. The next run finds out from the journal and the step folders how
// far the dead run got, and finishes or restores; no step runs twice.
import * as assert from "assert";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isUpchainError } from "../../../providers/errors";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { FAULT_DIR, UPLOADED, faultInstallScript } from "../../support/faultCatalog";
import {
  setHook,
  STATE,
  assertNextRunFinishes,
  assertRestored,
  backupSums,
  boots,
  connectFast,
  history,
  installs,
  killChild,
  liveJournal,
  runFaulty,
  serving,
  sha,
  sleep,
  spawnFaulty,
  startsOf,
  throttle,
  uploading,
  version,
  waitFor,
} from "../../support/faultHost";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const N = "fmc";
const STALE = 2;

describe("fault matrix: the controller killed mid-run", function () {
  this.timeout(180_000);
  let h: TestHost;
  let host: RemoteHost | undefined;
  let db: string;
  let tmp: string;
  const lines: string[] = [];
  const hook = (name: string, value = "") => setHook(N, name, value);
  const childLog = () => path.join(tmp, "child.log");
  const lastHistory = () => history(N).pop()!;

  before(() => {
    requireRoot();
    [h] = startHosts(N);
  });
  after(() => stopHosts(N));
  beforeEach(() => {
    onHost(N, faultInstallScript("1"));
    db = sha(N, `${FAULT_DIR}/data/db`);
    lines.length = 0;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fmc-"));
  });
  afterEach(async function () {
    throttle(h, undefined);
    await host?.close();
    host = undefined;
    if (this.currentTest?.state === "failed") {
      console.log(`--- killed run ---\n${fs.existsSync(childLog()) ? fs.readFileSync(childLog(), "utf8") : ""}\n--- next run ---\n${lines.join("\n")}`);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The next run, in this process, once the dead run's lock has gone stale. */
  async function nextRun(options: Record<string, unknown> = {}) {
    await sleep((STALE + 1) * 1000);
    host = await connectFast(h);
    return runFaulty(host, "1", "2", { lines, options, lockStaleSeconds: STALE });
  }

  it("controller killed during a step: the next run waits for the step the dead run left running and finishes; the step ran once", async () => {
    hook("slow-2", "4");
    const child = spawnFaulty(h, "1", "2", { stale: STALE }, childLog());
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    await sleep(500);
    await killChild(child);
    const r = await nextRun();
    assert.ok(r.resumedRun, "the next run resumed the killed one");
    assert.strictEqual(r.reached, "2");
    assert.strictEqual(version(N), "2");
    assert.strictEqual(serving(N), "2", "the service is up, serving the new version");
    assert.deepStrictEqual(installs(N), ["install 2"]);
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1 }, "no step ran twice");
    assert.ok(
      lines.some((l) => /left running by the interrupted run/.test(l)),
      lines.join("\n"),
    );
    const [file, j] = lastHistory();
    assert.match(file, new RegExp(`counter\\.${r.resumedRun}\\.json$`), "the killed run's journal, finished, is in the history");
    assert.strictEqual(j.status, "done");
    assert.match(backupSums(N, "1-to-2"), /\.\/data\/db/);
    assert.strictEqual(liveJournal(N), undefined, "no journal left: the next run plans from 2 and has nothing to do");
  });

  it("controller killed during an upload: the next run uploads the file again, whole, and carries on; no step ran twice", async () => {
    const local = path.join(tmp, "package.bin");
    fs.writeFileSync(local, randomBytes(3 * 1024 * 1024));
    throttle(h, "4mbit");
    const child = spawnFaulty(h, "1", "2", { stale: STALE, options: { upload: local } }, childLog());
    await waitFor("the upload to start", () => uploading(N, UPLOADED), 30_000);
    await sleep(1000);
    await killChild(child);
    throttle(h, undefined);
    assert.notStrictEqual(
      onHost(N, `test -f ${UPLOADED} && echo there || echo absent`).trim(),
      "there",
      "the upload had not finished when the controller died",
    );
    const r = await nextRun({ upload: local });
    assert.ok(r.resumedRun);
    assert.strictEqual(r.reached, "2");
    assert.strictEqual(sha(N, UPLOADED), createHash("sha256").update(fs.readFileSync(local)).digest("hex"));
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1 });
    assert.strictEqual(serving(N), "2");
    assert.match(backupSums(N, "1-to-2"), /\.\/data\/db/);
    assert.strictEqual(lastHistory()[1].status, "done");
    assert.strictEqual(liveJournal(N), undefined);
  });

  it("controller killed during the restore: the next run waits for that restore and does not run it again; the host is back at 1", async () => {
    hook("fail-2");
    hook("slow-restore-2", "10"); // still running when the next run gets there
    const child = spawnFaulty(h, "1", "2", { stale: STALE }, childLog());
    await waitFor("the restore to start", () => startsOf(N)["restore-2"] === 1, 30_000);
    await sleep(500);
    await killChild(child);
    await assert.rejects(
      nextRun(),
      (e: unknown) => isUpchainError(e, "STEP_FAILED") && /exited 3/.test((e as Error).message) && /restored to 1/.test((e as Error).message),
    );
    assertRestored(N, db);
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1, "restore-2": 1 }, "the restore ran once");
    assert.deepStrictEqual(installs(N), ["install 2", "restored 1"]);
    assert.ok(
      lines.some((l) => /left running by the interrupted run; waited for it, not run again/.test(l)),
      lines.join("\n"),
    );
    await assertNextRunFinishes(N, () => runFaulty(host!, "1", "2", { lines, lockStaleSeconds: STALE }));
  });

  it("controller killed during a reboot wait: the next run sees the machine restarted, does not restart it again, and finishes", async () => {
    const booted = boots(h);
    const options = { reboot: true, rebootTimeoutSeconds: 8 }; // the lock is held over the reboot deadline + 60 s
    const halts = halted(h);
    const child = spawnFaulty(h, "1", "2", { stale: STALE, options }, childLog());
    await waitFor("the machine to go down", () => halted(h) === halts + 1, 60_000);
    await killChild(child); // while it waits for the machine to come back
    await waitFor("the host to come back", () => boots(h) === booted + 1, 30_000);
    // The dead run had extended its lock over the reboot's deadline: an immediate run is refused
    // rather than racing a run that may still be waiting; once that time passes, the lock is stale.
    host = await connectWhenUp(h);
    await assert.rejects(runFaulty(host, "1", "2", { lines, options, lockStaleSeconds: STALE }), (e: unknown) => isUpchainError(e, "LOCKED"));
    const until = Number(onHost(N, `cut -d' ' -f3 ${STATE}/machine.lock/owner`).trim());
    assert.ok(until > 0, "the lock names how long it is held");
    await waitFor("the held lock to run out", () => Date.now() / 1000 > until + STALE + 1, 120_000);
    const r = await runFaulty(host, "1", "2", { lines, options, lockStaleSeconds: STALE });
    assert.ok(r.resumedRun);
    assert.strictEqual(r.reached, "2");
    assert.strictEqual(boots(h), booted + 1, "the machine was restarted once");
    assert.strictEqual(version(N), "2");
    assert.strictEqual(serving(N), "2", "the service is up after the restart, serving the new version");
    assert.match(backupSums(N, "1-to-2"), /\.\/data\/db/);
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1 });
    assert.ok(!lines.some((l) => /waiting up to/.test(l)), `the next run did not wait for another restart:\n${lines.join("\n")}`);
    assert.strictEqual(lastHistory()[1].status, "done");
    assert.strictEqual(liveJournal(N), undefined);
  });
});

/** How many times the host has gone down (its harness's console log). */
function halted(h: TestHost): number {
  return fs
    .readFileSync(path.join("/run/upchain-hosts", h.name, "console.log"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("halt ")).length;
}

async function connectWhenUp(h: TestHost): Promise<RemoteHost> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      return await connectFast(h);
    } catch (e) {
      if (Date.now() > end) throw e;
      await sleep(500);
    }
  }
}
