// Fault matrix, the journal on the host is not to be trusted: an old-format journal whose plan would
// copy the controller's private key to the host and run a command preview never showed, a journal
// in today's shape naming another plan, and garbage bytes. Each is refused with JOURNAL_INVALID
// naming the file; nothing is uploaded, nothing runs, and the file is left for the operator.
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { planDigest } from "../../../providers/engine/running/journal";
import { planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { faultInstallScript, faulty } from "../../support/faultCatalog";
import { JOURNAL, STATE, assertNextRunFinishes, connectFast, installs, runFaulty, serving, sha, startsOf, version } from "../../support/faultHost";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const N = "fmj";
const RUN = "20261123T080000-abcdef";

describe("fault matrix: hostile and corrupt journals", function () {
  this.timeout(60_000);
  let h: TestHost;
  let host: RemoteHost;

  before(async () => {
    requireRoot();
    [h] = startHosts(N);
    host = await connectFast(h);
  });
  after(async () => {
    await host?.close();
    stopHosts(N);
  });
  beforeEach(() => onHost(N, faultInstallScript("1")));

  /** Put `bytes` as the journal on the host, through the side channel. */
  function plant(bytes: Buffer | string): string {
    const file = path.join(h.root, JOURNAL);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes, { mode: 0o600 });
    return sha(N, JOURNAL);
  }

  /** The run is refused naming the journal file, and left no trace: nothing ran, uploaded or locked, the file is as planted. */
  async function assertRefused(planted: string, why: RegExp) {
    await assert.rejects(runFaulty(host, "1", "2"), (e: unknown) => {
      const m = (e as Error).message;
      assert.ok(!(e instanceof SyntaxError), `a SyntaxError leaked: ${m}`);
      return isUpchainError(e, "JOURNAL_INVALID") && m.includes(`${host.label}:${JOURNAL}`) && why.test(m) && /nothing was run/i.test(m);
    });
    assert.strictEqual(onHost(N, "ls /tmp/pwned /tmp/stolen-key 2>/dev/null || true").trim(), "", "no file planted by the journal's plan exists");
    assert.deepStrictEqual(startsOf(N), {}, "no step ran");
    assert.deepStrictEqual(installs(N), []);
    assert.strictEqual(version(N), "1");
    assert.strictEqual(serving(N), "1", "the service was not touched");
    // the lock's mutex file may stay (flock needs it); nothing else may appear
    assert.strictEqual(
      onHost(N, `ls ${STATE} | grep -vx machine.lock.mutex`).trim(),
      "counter.journal.json",
      "no lock, no step folder, no history: only the planted file",
    );
    assert.strictEqual(sha(N, JOURNAL), planted, "the journal is left as it was, for the operator to look at");
  }

  it("an old-format journal whose plan uploads the controller's private key and runs `touch /tmp/pwned`: JOURNAL_INVALID naming the file; nothing uploaded, nothing run", async () => {
    const hostile = {
      version: 1,
      run: RUN,
      plan: {
        product: "counter",
        platform: "linux",
        from: "1",
        to: "2",
        hops: [{ from: "1", to: "2", rule: { id: "x", text: "x", source: "x" } }],
        steps: [
          {
            id: "upload",
            action: "upload",
            title: "Upload",
            shell: "sh",
            commands: [],
            destructive: false,
            hop: "1->2",
            source: h.privateKeyFile,
            destination: "/tmp/stolen-key",
          },
          { id: "install", action: "run", title: "Install 2", shell: "sh", commands: ["touch /tmp/pwned"], destructive: false, hop: "1->2" },
        ],
      },
      next: 0,
      inFlight: { index: 1, dir: `${STATE}/runs/${RUN}/001-install` },
      status: "running",
      updatedAt: new Date().toISOString(),
    };
    await assertRefused(plant(JSON.stringify(hostile)), /is not a journal this version of upchain writes/);
  });

  it("a journal in today's shape with an extra plan field: refused for the unknown field", async () => {
    const plan = planUpgrade(faulty, { installed: "1", target: "2", platform: "linux" });
    const j = {
      version: 2,
      run: RUN,
      product: "counter",
      from: "1",
      to: "2",
      planDigest: planDigest(plan),
      steps: plan.steps.length,
      next: 1,
      status: "running",
      updatedAt: "",
      plan: { steps: [{ commands: ["touch /tmp/pwned"] }] },
    };
    await assertRefused(plant(JSON.stringify(j)), /is not a journal this version of upchain writes \(.*plan/);
  });

  it("a journal in today's shape naming another plan (its digest differs): refused, naming the run to clear", async () => {
    const j = {
      version: 2,
      run: RUN,
      product: "counter",
      from: "1",
      to: "2",
      planDigest: "0".repeat(64),
      steps: 3,
      next: 1,
      inFlight: { index: 1 },
      status: "running",
      updatedAt: "",
    };
    await assertRefused(plant(JSON.stringify(j)), new RegExp(`clearRun: "${RUN}"`));
  });

  it("a corrupt journal (garbage bytes): JOURNAL_INVALID, not a SyntaxError; nothing runs", async () => {
    await assertRefused(plant(Buffer.concat([Buffer.from('{"version":2,'), randomBytes(512)])), /is not valid JSON/);
  });

  it("after the operator moves the journal aside, the next run plans from what is installed and succeeds", async () => {
    plant(randomBytes(64));
    await assert.rejects(runFaulty(host, "1", "2"), (e: unknown) => isUpchainError(e, "JOURNAL_INVALID"), "refused again while the file is there");
    onHost(N, `mv ${JOURNAL} /root/journal.aside`);
    await assertNextRunFinishes(N, () => runFaulty(host, "1", "2"));
    assert.ok(!fs.existsSync(path.join(h.root, "tmp/pwned")));
  });
});
