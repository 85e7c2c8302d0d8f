// Fault matrix, steps that fail on the host: the disk full during the backup, the extraction and the
// restore (a small tmpfs mounted over the folder inside the host), a step hanging past its deadline,
// a failed restore followed by more runs, and a reboot command that fails. Nothing is lost: the host
// runs its old version or the restore point is kept and named, and every later run is refused until
// the operator clears it.
import * as assert from "assert";
import { isUpchainError } from "../../../providers/errors";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { BACKUP_ROOT, FAULT_DIR, faultInstallScript, mountSmallDisk } from "../../support/faultCatalog";
import {
  setHook,
  JOURNAL,
  STATE,
  assertNextRunFinishes,
  assertRestored,
  backupSums,
  boots,
  connectFast,
  history,
  installs,
  liveJournal,
  runFaulty,
  serving,
  sha,
  startsOf,
  version,
} from "../../support/faultHost";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const N = "fmd";
const DATA = `${FAULT_DIR}/data`;
const BACKUP = `${BACKUP_ROOT}/1-to-2`;

describe("fault matrix: failures on the host", function () {
  this.timeout(120_000);
  let h: TestHost;
  let host: RemoteHost;
  let db: string;
  const lines: string[] = [];
  const hook = (name: string, value = "") => setHook(N, name, value);
  const run = (o: Parameters<typeof runFaulty>[3] = {}) => runFaulty(host, "1", "2", { lines, ...o });
  const lastHistory = () => history(N).pop()!;
  const message = (e: unknown) => (e as Error).message;

  before(async () => {
    requireRoot();
    [h] = startHosts(N);
    host = await connectFast(h);
  });
  after(async () => {
    await host?.close();
    stopHosts(N);
  });
  beforeEach(() => {
    onHost(N, faultInstallScript("1"));
    db = sha(N, `${DATA}/db`);
    lines.length = 0;
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(lines.join("\n"));
  });

  it("disk full during the backup: the step fails before anything changed, the host stays at 1, and the next run with space succeeds", async () => {
    onHost(N, mountSmallDisk(BACKUP_ROOT, 32)); // the 64 KiB database does not fit
    await assert.rejects(
      run(),
      (e: unknown) =>
        isUpchainError(e, "STEP_FAILED") &&
        /Back up before 2.*exited/.test(message(e)) &&
        /nothing had been changed yet/.test(message(e)) &&
        /No space left/.test(message(e)),
    );
    assert.strictEqual(version(N), "1");
    assert.strictEqual(serving(N), "1", "the service is up, serving the old version");
    assert.strictEqual(sha(N, `${DATA}/db`), db);
    assert.deepStrictEqual(installs(N), [], "the install step never ran");
    assert.strictEqual(lastHistory()[1].status, "restored");
    assert.strictEqual(liveJournal(N), undefined);
    onHost(N, `umount -l ${BACKUP_ROOT}`);
    await assertNextRunFinishes(N, () => run());
    assert.match(backupSums(N, "1-to-2"), /\.\/data\/db/, "the run with space took its backup");
  });

  it("disk full during the extraction: the install step fails, the backup is restored, the host runs 1 with its old database", async () => {
    onHost(N, mountSmallDisk(DATA, 256));
    hook("extract-size-2", String(1024 * 1024));
    await assert.rejects(
      run(),
      (e: unknown) =>
        isUpchainError(e, "STEP_FAILED") && /Install 2.*exited 1/.test(message(e)) && /No space left/.test(message(e)) && /restored to 1/.test(message(e)),
    );
    assertRestored(N, db);
    assert.strictEqual(sha(N, `${BACKUP}/data/db`), db, "the backup is whole");
    assert.strictEqual(onHost(N, `test -e ${DATA}/new.bin && echo left || echo gone`).trim(), "gone");
    assert.deepStrictEqual(installs(N), ["install 2", "restored 1"]);
    await assertNextRunFinishes(N, () => run());
  });

  it("disk full during the restore: RESTORE_FAILED naming the restore point, the journal says restore-failed, the next run is refused; after freeing space and clearRun the run proceeds", async () => {
    onHost(N, mountSmallDisk(DATA, 256));
    hook("fill-2"); // the install fills the disk, so the extraction and then the restore find no space
    let runId = "";
    await assert.rejects(run(), (e: unknown) => {
      const m = message(e);
      runId = m.match(/clearRun: "([^"]+)"/)?.[1] ?? "";
      return (
        isUpchainError(e, "RESTORE_FAILED") &&
        /restoring the backup failed too/.test(m) &&
        m.includes(`The restore point is kept on the host: ${BACKUP}`) &&
        /No space left/.test(m)
      );
    });
    const j = liveJournal(N)!;
    assert.strictEqual(j.status, "restore-failed");
    assert.strictEqual(j.run, runId);
    assert.strictEqual(j.failure!.restorePoint, BACKUP);
    assert.match(j.failure!.why, /No space left/);
    assert.strictEqual(sha(N, `${BACKUP}/data/db`), db, "the restore point is whole");
    assert.strictEqual(serving(N), "", "a half-restored version is not started");
    const backup = backupSums(N, "1-to-2");
    const steps = startsOf(N);

    await assert.rejects(
      run(),
      (e: unknown) =>
        isUpchainError(e, "RESTORE_FAILED") && message(e).includes(BACKUP) && message(e).includes(`clearRun: "${runId}"`) && message(e).includes(JOURNAL),
    );
    assert.deepStrictEqual(startsOf(N), steps, "the refused run ran no step");
    assert.strictEqual(backupSums(N, "1-to-2"), backup, "the refused run left the restore point alone");

    // the operator frees space and restores by hand, then clears the run
    onHost(N, `rm -f ${DATA}/.filler ${FAULT_DIR}/hooks/fill-2 && cp -a ${BACKUP}/data/. ${DATA}/ && cp ${BACKUP}/VERSION ${FAULT_DIR}/VERSION`);
    await assertNextRunFinishes(N, () => run({ clearRun: runId }));
    assert.ok(
      history(N).some(([f, hj]) => f === `counter.${runId}.cleared.json` && hj.status === "restore-failed"),
      "the cleared journal is kept in the history",
    );
  });

  it("a failed restore followed by more runs: each is refused naming the restore point, which is never deleted", async () => {
    hook("fail-2");
    hook("fail-restore");
    await assert.rejects(run(), (e: unknown) => isUpchainError(e, "RESTORE_FAILED") && /restore refused by the hook/.test(message(e)));
    const backup = backupSums(N, "1-to-2");
    assert.match(backup, /\.\/data\/db/);
    const steps = startsOf(N);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(run(), (e: unknown) => isUpchainError(e, "RESTORE_FAILED") && message(e).includes(`The restore point is kept: ${BACKUP}`));
    }
    assert.strictEqual(backupSums(N, "1-to-2"), backup, "the backup is still there, unchanged");
    assert.strictEqual(sha(N, `${BACKUP}/data/db`), db);
    assert.deepStrictEqual(startsOf(N), steps, "no step ran, so the backup step never deleted its folder");
    const j = liveJournal(N)!;
    assert.strictEqual(j.status, "restore-failed");
    assert.strictEqual(j.failure!.restorePoint, BACKUP);
    assert.match(j.failure!.why, /restore refused by the hook/);
    // the operator restores by hand and clears the run: the next run does the hop
    onHost(N, `cp -a ${BACKUP}/data/. ${DATA}/ && cp ${BACKUP}/VERSION ${FAULT_DIR}/VERSION`);
    await assertNextRunFinishes(N, () => run({ clearRun: j.run }));
  });

  it("a step hanging past its deadline: its whole process group is killed on the host, it fails with 124, and the hop is restored", async () => {
    hook("hang-2");
    const t0 = Date.now();
    await assert.rejects(
      run({ stepTimeouts: { install: 3 } }),
      (e: unknown) =>
        isUpchainError(e, "STEP_FAILED") &&
        /Install 2.*exited 124/.test(message(e)) &&
        /past its deadline of 3s/.test(message(e)) &&
        /restored to 1/.test(message(e)),
    );
    assert.ok(Date.now() - t0 < 30_000, "stopped at its deadline, not later");
    assert.strictEqual(onHost(N, "ps -eo args= | grep -c '^sleep 4242' || true").trim(), "0", "the hanging command is gone");
    assert.strictEqual(onHost(N, `ps -eo args= | grep -c '^sh ./script.sh' || true`).trim(), "0", "the step's shell is gone");
    assertRestored(N, db);
    await assertNextRunFinishes(N, () => run({ stepTimeouts: { install: 3 } }));
  });

  it("a reboot command that fails: the step fails at once with the command's output (not after the reboot timeout), and the hop is restored", async () => {
    hook("reboot-fails");
    const booted = boots(h);
    const t0 = Date.now();
    await assert.rejects(run({ options: { reboot: true, rebootTimeoutSeconds: 120 } }), (e: unknown) => {
      const m = message(e);
      return (
        isUpchainError(e, "STEP_FAILED") && /Restart the machine for 2/.test(m) && /the hook refuses to restart the machine/.test(m) && /restored to 1/.test(m)
      );
    });
    assert.ok(Date.now() - t0 < 40_000, `failed after ${Date.now() - t0} ms, well before the 120 s reboot timeout`);
    assert.strictEqual(boots(h), booted, "the machine was not restarted");
    assertRestored(N, db);
    assert.strictEqual(onHost(N, `test -d ${STATE}/machine.lock && echo held || echo free`).trim(), "free", "the lock is released");
    await assertNextRunFinishes(N, () => run({ options: { reboot: true, rebootTimeoutSeconds: 30 } }));
    assert.strictEqual(boots(h), booted + 1, "the next run restarted the machine once");
  });
});
