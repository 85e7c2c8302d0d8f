// Waiting for a detached step on a real host, over the real SSH transport: the wait blocks on the
// lock the step's launcher holds, so it sees the end (or a kill) at once, costs two polls and no
// heartbeat exec, and a wait whose connection is gone stops beating, so a dead run's lock goes stale.
import * as assert from "assert";
import { startDetached } from "../../../providers/engine/running/detached";
import { HostLock, acquireLock, stopHeartbeats } from "../../../providers/engine/running/lock";
import { waitForStep } from "../../../providers/engine/running/stepWait";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { connectSsh } from "../../../providers/transport/ssh";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const STATE = "/var/lib/upchain";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("waiting for a step on a real host", function () {
  this.timeout(60_000);
  let h: TestHost;
  let host: RemoteHost;
  let lock: HostLock | undefined;
  const commands: string[] = [];
  const connect = async () => {
    const ssh = await connectSsh({ host: h.host, privateKey: privateKey(h), hostKey: h.hostKey });
    const counted: RemoteHost = {
      label: ssh.label,
      exec: (c, o) => (commands.push(c), ssh.exec(c, o)),
      readFile: (f) => ssh.readFile(f),
      writeFile: (f, d, m) => ssh.writeFile(f, d, m),
      close: () => ssh.close(),
    };
    return counted;
  };
  const beatOnHost = () => Number(onHost("nswait", `cut -d' ' -f2 ${STATE}/machine.lock/owner`).trim());

  before(async () => {
    requireRoot();
    [h] = startHosts("nswait");
  });
  beforeEach(async () => {
    commands.length = 0;
    host = await connect();
    lock = await acquireLock(host, STATE, "srv", `run-${Date.now()}`, 4); // a beat every second
  });
  afterEach(async () => {
    await lock?.release().catch(() => undefined);
    await host.close().catch(() => undefined);
  });
  after(() => stopHosts("nswait"));

  it("a 3 s step is seen as it ends, in two polls and no heartbeat exec, its output and error brought by the last poll", async () => {
    const dir = `${STATE}/runs/a/001-x`;
    await startDetached(host, dir, "sleep 3\necho out-line\necho err-line >&2", undefined, lock!.fence);
    const from = commands.length;
    const t0 = Date.now();
    const r = await waitForStep(host, dir, {
      pollMs: 500,
      what: "x",
      fence: lock!.fence,
      beat: lock!.ridingBeat,
      beforePoll: () => lock!.assertHeld(),
      onOutput: () => undefined,
    });
    assert.deepStrictEqual(r, { code: 0, stdout: "out-line\n", stderr: "err-line\n" });
    assert.ok(Date.now() - t0 < 4000, `seen ${Date.now() - t0} ms after the wait began`);
    const after = commands.slice(from);
    assert.ok(after.length <= 2 && after.every((c) => c.includes("s=not-started")), `${after.length} execs:\n${after.join("\n----\n")}`);
    assert.ok(Date.now() / 1000 - beatOnHost() <= 2, "the wait kept the lock's heartbeat moving");
  });

  it("a step whose process group is killed on the host is seen gone at once, not at the end of the wait", async () => {
    const dir = `${STATE}/runs/b/001-x`;
    await startDetached(host, dir, "sleep 30", undefined, lock!.fence);
    const waited = waitForStep(host, dir, { pollMs: 500, what: "x", fence: lock!.fence, beat: lock!.ridingBeat });
    await sleep(1500);
    const killedAt = Date.now();
    onHost("nswait", `kill -s KILL -- -$(cat ${dir}/pid)`);
    assert.strictEqual(await waited, "lost");
    assert.ok(Date.now() - killedAt < 2000, `seen ${Date.now() - killedAt} ms after the kill`);
  });

  it("a wait whose connection is closed stops beating on the host: a dead run's lock goes stale", async () => {
    const dir = `${STATE}/runs/c/001-x`;
    await startDetached(host, dir, "sleep 20", undefined, lock!.fence);
    const gone = lock!;
    lock = undefined; // its run is "dead": nothing releases its lock
    const waited = waitForStep(host, dir, { pollMs: 500, what: "x", fence: gone.fence, beat: gone.ridingBeat, contactTimeoutMs: 1000 }).catch(() => "cut off");
    await sleep(1500);
    stopHeartbeats(); // the controller is gone: its timer beats no more either
    await host.close();
    await waited;
    await sleep(1500); // the wait's script beats at most once more, while sshd closes the session
    const last = beatOnHost();
    await sleep(3000);
    assert.strictEqual(beatOnHost(), last, "no beat after the connection was gone");
    onHost("nswait", `kill -s KILL -- -$(cat ${dir}/pid); rm -rf ${STATE}/machine.lock`);
  });
});
