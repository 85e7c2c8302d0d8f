// Fault matrix, one owner at a time: a controller frozen (SIGSTOP) past the lock's timeout while
// another takes over and finishes touches nothing more when it wakes, and says LOCK_LOST; runs with
// two journal names on one machine never overlap; a reboot waits for another run's step still
// running on the machine. Real controllers (child processes), a real host, short lock timeouts.
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isUpchainError } from "../../../providers/errors";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { FAULT_DIR, faultInstallScript } from "../../support/faultCatalog";
import {
  STATE,
  boots,
  connectFast,
  history,
  installs,
  killChild,
  liveJournal,
  runFaulty,
  serving,
  setHook,
  sleep,
  spawnFaulty,
  startsOf,
  stepIntervals,
  version,
  waitFor,
} from "../../support/faultHost";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const N = "fmf";
const STALE = 3;

/** Everything upchain and the product keep on the host, as "<sha256>  <path>" lines: what "nothing changed" compares. */
const snapshot = () => onHost(N, `find ${STATE} ${FAULT_DIR} -type f | sort | xargs sha256sum`);

/** The exit code of a child controller and its output, once it has ended. */
function ended(child: ChildProcess): Promise<number> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once("exit", (code) => r(code ?? -1))));
}

describe("fault matrix: one owner at a time (fencing and the machine's lock)", function () {
  this.timeout(180_000);
  let h: TestHost;
  let host: RemoteHost | undefined;
  let tmp: string;
  const lines: string[] = [];
  const children: ChildProcess[] = [];
  const childLog = () => path.join(tmp, "child.log");

  before(() => {
    requireRoot();
    [h] = startHosts(N);
  });
  after(() => stopHosts(N));
  beforeEach(() => {
    onHost(N, faultInstallScript("1"));
    lines.length = 0;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fmf-"));
  });
  afterEach(async function () {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGCONT");
      await killChild(c);
    }
    await host?.close();
    host = undefined;
    if (this.currentTest?.state === "failed") {
      console.log(
        `--- child controller ---\n${fs.existsSync(childLog()) ? fs.readFileSync(childLog(), "utf8") : ""}\n--- run in this process ---\n${lines.join("\n")}`,
      );
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("a run that lost its lock touches nothing more: a controller frozen past the lock timeout while another takes over and finishes changes nothing on the host when it wakes, and reports LOCK_LOST", async () => {
    setHook(N, "slow-2", "6");
    const frozen = spawnFaulty(h, "1", "2", { stale: STALE }, childLog());
    children.push(frozen);
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    frozen.kill("SIGSTOP");

    // the other controller waits for the frozen one's lock to go stale, takes it over, resumes the
    // run, waits for the install the frozen one started, and finishes the hop
    host = await connectFast(h);
    const r = await runFaulty(host, "1", "2", { lines, lockStaleSeconds: STALE });
    assert.ok(r.resumedRun, "the second controller resumed the frozen one's run");
    assert.strictEqual(version(N), "2");
    assert.strictEqual(history(N).pop()?.[1].status, "done");
    assert.strictEqual(liveJournal(N), undefined);
    const before = snapshot();

    frozen.kill("SIGCONT");
    const code = await Promise.race([ended(frozen), sleep(60_000).then(() => "still running")]);
    const said = fs.readFileSync(childLog(), "utf8");
    assert.strictEqual(liveJournal(N), undefined, `no journal written back:\n${said}`);
    assert.deepStrictEqual(
      history(N).map(([, j]) => j.status),
      ["done"],
      "one history record, the finished run's",
    );
    assert.strictEqual(
      snapshot(),
      before,
      "nothing on the host changed after the frozen controller woke: the product, the journal, the history, the step folders",
    );
    assert.strictEqual(code, 1, `the woken controller failed:\n${said}`);
    assert.match(said, /LOCK_LOST: .*lost this machine's lock/, said);
    assert.strictEqual(serving(N), "2");
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1 }, "no step ran twice");
  });

  it("one lock per machine: while a run for one journal name works, a run for another journal name on the same machine is refused LOCKED naming it; no steps overlap", async () => {
    setHook(N, "slow-2", "4");
    const first = spawnFaulty(h, "1", "2", { stale: STALE, resource: "counter" }, childLog());
    children.push(first);
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    host = await connectFast(h);
    await assert.rejects(runFaulty(host, "1", "2", { lines, lockStaleSeconds: STALE, resource: "counter-twin" }), (e: unknown) => {
      const m = (e as Error).message;
      return (
        isUpchainError(e, "LOCKED") &&
        /another upchain run \(\d{8}T\d{6}-[0-9a-f]{6}\) is working on counter \(pid \d+ on /.test(m) &&
        /this run's is counter-twin/.test(m)
      );
    });
    assert.strictEqual(await ended(first), 0, fs.readFileSync(childLog(), "utf8"));
    assert.deepStrictEqual(startsOf(N), { "backup-2": 1, "install-2": 1 }, "the refused run ran no step");
    const spans = stepIntervals(N).sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end, `${spans[i].step} overlapped ${spans[i - 1].step}`);
    assert.strictEqual(onHost(N, `ls ${STATE}/counter-twin.journal.json 2>/dev/null || true`).trim(), "", "the refused run wrote no journal");
  });

  it("a reboot step waits for a step another run left running on the machine, and restarts the machine only after it ended", async () => {
    setHook(N, "slow-2", "2");
    const booted = boots(h);
    // a step another run (another journal, a controller that died) left running: 8 s more of work
    const foreign = `${STATE}/runs/20261201T000000-f0f0f0/001-migrate`;
    host = await connectFast(h);
    const run = runFaulty(host, "1", "2", { lines, lockStaleSeconds: STALE, options: { reboot: true, rebootTimeoutSeconds: 60 } });
    await waitFor("install 2 to start", () => installs(N).includes("install 2"), 30_000);
    onHost(
      N,
      `mkdir -p ${foreign} && cd ${foreign} && setsid sh -c 'sed "s/.*) //" /proc/$$/stat | cut -d" " -f20 > start; echo $$ > pid; sleep 8; date +%s > /var/tmp/foreign.end; echo 0 > rc' < /dev/null > /dev/null 2>&1 &`,
    );
    const r = await run;
    assert.strictEqual(r.reached, "2");
    assert.strictEqual(boots(h), booted + 1, "the machine was restarted once");
    assert.ok(
      lines.some((l) => /waiting up to 60s for 20261201T000000-f0f0f0\/001-migrate to end/.test(l)),
      lines.join("\n"),
    );
    const foreignEnd = Number(onHost(N, "cat /var/tmp/foreign.end").trim());
    const rebootLaunched = Number(onHost(N, `stat -c %Y ${STATE}/runs/*/*-reboot/pid`).trim());
    assert.ok(rebootLaunched >= foreignEnd, `the reboot was launched at ${rebootLaunched}, after the other run's step ended at ${foreignEnd}`);
    assert.strictEqual(version(N), "2");
    assert.strictEqual(serving(N), "2");
  });
});
