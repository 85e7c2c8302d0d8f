// Fault matrix, the link and the host under a running step: the SSH connection dropped (the host's
// sshd sessions killed, or the link down for longer than the keepalive) during a step, an upload
// and the restore; sudo failing for a few seconds; the host restarting under a step. The run holds
// on, reconnects, and ends as if nothing happened, or restores when the step itself is gone.
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
  assertNextRunFinishes,
  assertRestored,
  backupSums,
  boots,
  connectFast,
  history,
  installs,
  killSshSessions,
  linkDown,
  liveJournal,
  runFaulty,
  serving,
  sha,
  sleep,
  startsOf,
  throttle,
  uploading,
  version,
  waitFor,
} from "../../support/faultHost";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const N = "fml";

describe("fault matrix: link and host faults under a running step", function () {
  this.timeout(60_000); // each takes under 30 s; a run that hangs on a dead connection fails here
  let h: TestHost;
  let host: RemoteHost | undefined;
  let db: string;
  const lines: string[] = [];
  const hook = (name: string, value = "") => setHook(N, name, value);
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
  });
  afterEach(async function () {
    throttle(h, undefined);
    await host?.close();
    host = undefined;
    if (this.currentTest?.state === "failed") console.log(lines.join("\n"));
  });

  /** A run that ended well: at 2 and serving it, each step once, nothing restored, the journal archived as done. */
  function assertFinishedOnce() {
    assert.strictEqual(version(N), "2");
    assert.strictEqual(serving(N), "2", "the service is up, serving the new version");
    assert.deepStrictEqual(installs(N), ["install 2"], "the install step ran once and nothing was restored");
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1 });
    const [file, j] = lastHistory();
    assert.strictEqual(j.status, "done", file);
    assert.strictEqual(liveJournal(N), undefined, "no journal is left for the next run to resume");
    assert.ok(!lines.some((l) => /Not connected/.test(l)), lines.join("\n"));
    assert.match(backupSums(N, "1-to-2"), /\.\/data\/db/, "the hop's backup is there");
  }

  it("SSH link dropped during a step (the host's sshd sessions killed): the run reconnects, waits for the step and finishes", async () => {
    hook("slow-2", "4");
    host = await connectFast(h);
    const run = runWith(host, {});
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    assert.ok(killSshSessions(N) > 0, "there was an SSH session to kill");
    const r = await run;
    assert.strictEqual(r.reached, "2");
    assertFinishedOnce();
  });

  it("SSH link down for longer than the keepalive during a step: the run reconnects and finishes, never 'Not connected'", async () => {
    hook("slow-2", "3");
    host = await connectFast(h);
    const run = runWith(host, {});
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    await sleep(1000); // past the launch: the step is being polled
    await linkDown(N, 6000); // keepalive 1 s x 3: the connection is declared dead while the link is down
    const r = await run;
    assert.strictEqual(r.reached, "2");
    assertFinishedOnce();
  });

  it("SSH link dropped as a step is launched (the launch's acknowledgement lost): the run finds the step running, waits, and finishes without restoring", async () => {
    hook("drop-link-install-2", "5"); // the step itself takes the link down for 5 s as it starts
    host = await connectFast(h);
    const r = await runWith(host, {});
    assert.strictEqual(r.reached, "2");
    assertFinishedOnce();
  });

  it("SSH link dropped as the restore is launched: the run finds the restore running, waits for it, and reports the hop restored (not a failed restore)", async () => {
    hook("fail-2");
    hook("drop-link-restore-2", "5");
    host = await connectFast(h);
    await assert.rejects(runWith(host, {}), (e: unknown) => isUpchainError(e, "STEP_FAILED") && /restored to 1/.test((e as Error).message));
    assertRestored(N, db);
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1, "restore-2": 1 }, "the restore ran once");
    await assertNextRunFinishes(N, () => runWith(host!, {}));
  });

  it("SSH link dropped during an upload: the file is uploaded again and is exactly the local one", async () => {
    const local = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fml-")), "package.bin");
    fs.writeFileSync(local, randomBytes(3 * 1024 * 1024));
    throttle(h, "4mbit"); // ~6 s for the upload, so the drop lands in the middle of it
    host = await connectFast(h);
    const run = runWith(host, { options: { upload: local } });
    await waitFor("the upload to start", () => uploading(N, UPLOADED), 30_000);
    await sleep(1000);
    assert.ok(killSshSessions(N) > 0, "there was an SSH session to kill");
    throttle(h, undefined);
    const r = await run;
    assert.strictEqual(r.reached, "2");
    assert.strictEqual(sha(N, UPLOADED), createHash("sha256").update(fs.readFileSync(local)).digest("hex"));
    assertFinishedOnce();
    fs.rmSync(path.dirname(local), { recursive: true, force: true });
  });

  it("SSH link dropped during the restore: the run reconnects, the restore runs once to its end, and the host is back at 1", async () => {
    hook("fail-2");
    hook("slow-restore-2", "4");
    host = await connectFast(h);
    const run = runWith(host, {});
    await waitFor("the restore to start", () => startsOf(N)["restore-2"] === 1, 30_000);
    await sleep(1000); // past the launch: the restore is being polled
    await linkDown(N, 5000);
    await assert.rejects(
      run,
      (e: unknown) => isUpchainError(e, "STEP_FAILED") && /exited 3/.test((e as Error).message) && /restored to 1/.test((e as Error).message),
    );
    assertRestored(N, db);
    assert.deepStrictEqual(installs(N), ["install 2", "restored 1"]);
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1, "restore-2": 1 }, "the restore ran once");
    await assertNextRunFinishes(N, () => runWith(host!, {}));
  });

  it("sudo failing for a few seconds during a step (user deploy): the polls are retried, the run finishes, nothing is restored", async () => {
    hook("slow-2", "8");
    host = await connectFast(h, "deploy");
    const run = runWith(host, {});
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    onHost(N, "mv /etc/sudoers.d/deploy /root/deploy.sudoers");
    try {
      assert.match(onHost(N, "su deploy -c 'sudo -n true' 2>&1 || true"), /password is required|not allowed|may not run/, "sudo is broken for deploy");
      await sleep(4000);
    } finally {
      onHost(N, "mv /root/deploy.sudoers /etc/sudoers.d/deploy");
    }
    const r = await run;
    assert.strictEqual(r.reached, "2");
    assertFinishedOnce();
  });

  it("host restarted unexpectedly mid-step: the step's process is gone without an exit status, so the hop is restored", async () => {
    hook("slow-2", "60");
    const booted = boots(h);
    host = await connectFast(h);
    const run = runWith(host, {});
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    await sleep(1000); // past the launch: the step is being polled
    // detached: the host's shutdown kills every process in it, the side channel's own shell too
    onHost(N, "setsid sh -c 'sleep 0.2; /sbin/reboot' < /dev/null > /dev/null 2>&1 &");
    await assert.rejects(run, (e: unknown) => {
      const m = (e as Error).message;
      return isUpchainError(e, "STEP_FAILED") && /Install 2.*died without an exit status/.test(m) && /restored to 1/.test(m);
    });
    assert.strictEqual(boots(h), booted + 1, "the host restarted once");
    assertRestored(N, db);
    assert.deepStrictEqual(installs(N), ["install 2", "restored 1"]);
    await assertNextRunFinishes(N, () => runWith(host!, {}));
  });

  const runWith = (host: RemoteHost, o: { options?: Record<string, unknown> }) => runFaulty(host, "1", "2", { ...o, lines });
});
