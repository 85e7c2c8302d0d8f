// Fault matrix through the real pulumi CLI on a Groupmax test host: two `pulumi up` from two stacks
// on one server, the first slowed by an upload longer than the lock timeout; and a hostile journal
// met by preview and up. The provider is the one users run; only the stacks are the tests' own.
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ChildProcess } from "child_process";
import { GROUPMAX_LAYOUT, installGroupmax, groupmaxState } from "../../support/groupmaxFixture";
import { groupmaxOptions } from "../../support/groupmaxProject";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";
import { PulumiProject, killTree } from "../../support/pulumi";
import { STATE, sleep, throttle, uploading, waitFor } from "../../support/faultHost";

const N = "fmg";
const LOCK_SECONDS = 5;
const BIG = "/var/tmp/gmx-big.bin";

/** Every detached step folder on the host with its run, start (pid written) and end (rc written), epoch seconds. */
function stepRecords(): { run: string; step: string; start: number; end: number }[] {
  const out = onHost(
    N,
    `for d in ${STATE}/runs/*/*/; do [ -f "$d/pid" ] || continue; ` +
      `echo "$d $(date -r "$d/pid" +%s.%N) $( [ -f "$d/rc" ] && date -r "$d/rc" +%s.%N || echo open)"; done`,
  );
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [d, start, end] = l.split(" ");
      const parts = d.replace(/\/$/, "").split("/");
      return { run: parts[parts.length - 2], step: parts[parts.length - 1], start: Number(start), end: end === "open" ? Infinity : Number(end) };
    });
}

describe("fault matrix through pulumi: concurrent runs and a hostile journal", function () {
  this.timeout(600_000);
  let h: TestHost;
  let tmp: string;
  const projects: PulumiProject[] = [];
  const children: ChildProcess[] = [];

  function project(stack: string, options: Record<string, unknown>): PulumiProject {
    const p = new PulumiProject(stack);
    projects.push(p);
    p.init();
    // a short lock timeout, so an upload that held the lock without a heartbeat would lose it
    p.writeConfig({
      "upchain:servers": [
        {
          name: h.name,
          host: h.host,
          hostKey: h.hostKey,
          product: "groupmax",
          version: "06-00",
          versionCommand: GROUPMAX_LAYOUT.versionCommand,
          options,
          lockTimeoutSeconds: LOCK_SECONDS,
        },
      ],
    });
    p.setConfig("upchain:privateKey", fs.readFileSync(h.privateKeyFile, "utf8"), true);
    return p;
  }

  before(() => {
    requireRoot();
    [h] = startHosts(N);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fmg-"));
  });
  after(() => {
    for (const c of children) if (c.exitCode === null && c.pid) killTree(c.pid);
    if (h) throttle(h, undefined);
    projects.forEach((p) => p.dispose());
    fs.rmSync(tmp, { recursive: true, force: true });
    stopHosts(N);
  });

  it("two concurrent runs from two stacks on one server: the second is refused with LOCKED while the first, slowed by an upload longer than the lock timeout, lives; no steps overlap", async () => {
    installGroupmax(h, "05-00");
    const big = path.join(tmp, "big.bin");
    fs.writeFileSync(big, randomBytes(6 * 1024 * 1024));
    const options = groupmaxOptions({ rebootTimeoutSeconds: 120 });
    (options.uploads as { source: string; destination: string }[]).push({ source: big, destination: BIG });
    const first = project("fmfirst", options);
    const second = project("fmsecond", options);
    const log = path.join(tmp, "first.log");
    throttle(h, "4mbit"); // 6 MiB at 4 Mbit/s: ~12 s of upload, more than twice the lock timeout
    const run = first.start(["up", "--yes", "--skip-preview"], log);
    children.push(run);
    let ended: number | undefined;
    const exited = new Promise<number>((r) => run.once("exit", (code) => r((ended = code ?? -1))));
    const uploadingBig = () => uploading(N, BIG);
    const startedOrEnded = () => {
      if (ended !== undefined) throw new Error(`the first pulumi up ended (${ended}) before its big upload was seen:\n${fs.readFileSync(log, "utf8")}`);
      return uploadingBig();
    };
    await waitFor("the big upload to start", startedOrEnded, 180_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n--- first pulumi up so far ---\n${fs.readFileSync(log, "utf8")}`);
    });
    await sleep((LOCK_SECONDS + 2) * 1000); // the lock would be stale by now if only a polled step kept it alive
    assert.ok(uploadingBig(), "the upload is still going: the test must run the second stack while it is");
    const t0 = Date.now();
    const r = second.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /LOCKED: .*another upchain run \(\d{8}T\d{6}-[0-9a-f]{6}\) is working on groupmax/, r.output);
    assert.ok(Date.now() - t0 < 60_000, "refused promptly, not after waiting the lock out");
    throttle(h, undefined);
    const code = await exited;
    assert.strictEqual(code, 0, fs.readFileSync(log, "utf8"));

    const steps = stepRecords();
    assert.strictEqual(new Set(steps.map((s) => s.run)).size, 1, `one run ran steps: ${JSON.stringify(steps)}`);
    const sorted = [...steps].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(sorted[i].start >= sorted[i - 1].end, `${sorted[i].step} started before ${sorted[i - 1].step} ended`);
    }
    assert.ok(sorted.length >= 8, `the whole hop ran: ${sorted.map((s) => s.step).join(", ")}`);
    const state = groupmaxState(N);
    assert.strictEqual(state.version, "06-00");
    assert.deepStrictEqual(state.running.sort(), ["address", "objsrv", "server"]);

    // the refused stack, run again now, finds the server at its target and changes nothing on it
    second.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(new Set(stepRecords().map((s) => s.run)).size, 1, "the second stack ran no step");
  });

  it("a hostile old-format journal (its plan uploads the controller's key and runs `touch /tmp/pwned`): preview and up fail with JOURNAL_INVALID naming the file; nothing is uploaded or run", () => {
    const journal = `${STATE}/groupmax.journal.json`;
    const hostile = {
      version: 1,
      run: "20261123T080000-abcdef",
      plan: {
        product: "groupmax",
        platform: "linux",
        from: "05-00",
        to: "06-00",
        hops: [],
        steps: [
          {
            id: "upload-1",
            action: "upload",
            title: "Upload",
            shell: "sh",
            commands: [],
            destructive: false,
            hop: "05-00->06-00",
            source: h.privateKeyFile,
            destination: "/tmp/stolen-key",
          },
          { id: "stop-address", action: "run", title: "Stop", shell: "sh", commands: ["touch /tmp/pwned"], destructive: false, hop: "05-00->06-00" },
        ],
      },
      next: 0,
      status: "running",
      updatedAt: new Date().toISOString(),
    };
    onHost(N, `install -d -m 0700 ${STATE}`); // the state folder an earlier run would have made
    fs.writeFileSync(path.join(h.root, journal), JSON.stringify(hostile), { mode: 0o600 });
    const p = project("fmhostile", groupmaxOptions({ rebootTimeoutSeconds: 120 }));
    for (const args of [["preview"], ["up", "--yes", "--skip-preview"]]) {
      const r = p.run(args);
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(
        r.output,
        new RegExp(`JOURNAL_INVALID: the journal root@${h.host.replace(/\./g, "\\.")}:22:${journal} is not a journal this version of upchain writes`),
        r.output,
      );
      assert.doesNotMatch(r.output, /SyntaxError/);
    }
    assert.strictEqual(onHost(N, "ls /tmp/pwned /tmp/stolen-key 2>/dev/null || true").trim(), "", "nothing the journal asked for happened");
    assert.strictEqual(JSON.parse(onHost(N, `cat ${journal}`)).run, hostile.run, "the journal is left for the operator");
  });
});
