// The journal is data from the host: only its identity is kept there, and anything that is not exactly
// a journal of the controller's own plan is refused before a single command runs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep, uploadStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { journalPath, newJournal, parseJournal, planDigest, writeAndArchiveJournal, writeJournal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

function catalog(trail: string, uploadSource: string): Catalog {
  const mark = (id: string) =>
    shStep({
      provenance: TEST_STEP,
      id,
      action: id === "backup" ? "backup" : "run",
      title: id,
      destructive: id !== "backup",
      commands: [`echo ${q(id)} >> ${q(trail)}`],
    });
  return {
    ...trailProduct(),
    hopSteps: () => [
      mark("backup"),
      uploadStep("sh", { provenance: TEST_STEP, id: "upload", title: "upload", source: uploadSource, destination: path.join(path.dirname(trail), "uploaded") }),
      mark("change"),
    ],
    restoreSteps: () => [],
    probeVersion: () => ({ shell: "sh", command: "echo 1" }),
  };
}

describe("the journal on the host (local fake transport)", function () {
  this.timeout(20_000);
  let dir: string;
  let trail: string;
  let c: Catalog;
  const ctx = { platform: "linux" as const, releases: ["1", "2"], options: {} };
  beforeEach(() => {
    dir = tempDir();
    trail = path.join(dir, "trail");
    fs.writeFileSync(path.join(dir, "patch"), "the stack's file\n");
    c = catalog(trail, path.join(dir, "patch"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const plan = () => planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
  const execute = () => executePlan({ host: new LocalHost(), catalog: c, plan: plan(), ctx, resource: "trail", stateDir: path.join(dir, "state"), pollMs: 20 });
  const plant = (text: string) => {
    fs.mkdirSync(path.join(dir, "state"), { recursive: true });
    fs.writeFileSync(journalPath(path.join(dir, "state"), "trail"), text);
  };

  it("keeps only the run's identity on the host: no commands, no upload sources", async () => {
    await execute();
    const archived = fs.readdirSync(path.join(dir, "state/history"));
    const text = fs.readFileSync(path.join(dir, "state/history", archived[0]), "utf8");
    assert.doesNotMatch(text, /echo|patch|uploaded/);
    assert.strictEqual(JSON.parse(text).planDigest, planDigest(plan()));
  });

  it("a hostile journal (an old-format plan reading a controller file and running a command) is refused, and nothing runs", async () => {
    const secret = path.join(dir, "controller-key");
    fs.writeFileSync(secret, "PRIVATE KEY\n");
    const hostile = {
      version: 1,
      run: "20261123T080000-abcdef",
      next: 0,
      status: "running",
      updatedAt: "",
      plan: {
        ...plan(),
        steps: [
          { ...uploadStep("sh", { provenance: TEST_STEP, id: "x", title: "x", source: secret, destination: path.join(dir, "stolen") }), hop: "1->2" },
          {
            ...shStep({ provenance: TEST_STEP, id: "y", action: "run", title: "y", destructive: false, commands: [`touch ${q(path.join(dir, "pwned"))}`] }),
            hop: "1->2",
          },
        ],
      },
    };
    plant(JSON.stringify(hostile));
    await assert.rejects(
      execute(),
      (e: unknown) => isUpchainError(e, "JOURNAL_INVALID") && /trail\.journal\.json is not a journal this version of upchain writes/.test((e as Error).message),
    );
    assert.strictEqual(fs.existsSync(path.join(dir, "stolen")), false);
    assert.strictEqual(fs.existsSync(path.join(dir, "pwned")), false);
    assert.strictEqual(fs.existsSync(trail), false, "no step of the real plan ran either");
  });

  it("a corrupt journal is JOURNAL_INVALID naming the file, not a SyntaxError", async () => {
    plant("\u0000\u00ff{not json");
    await assert.rejects(
      execute(),
      (e: unknown) => isUpchainError(e, "JOURNAL_INVALID") && /trail\.journal\.json is not valid JSON/.test((e as Error).message),
    );
    assert.strictEqual(fs.existsSync(trail), false);
  });

  it("a well-formed journal for another plan (digest differs) is refused, naming the run and clearRun", async () => {
    plant(JSON.stringify({ ...newJournal("20261123T080000-abcdef", plan()), planDigest: "0".repeat(64), next: 1 }));
    await assert.rejects(
      execute(),
      (e: unknown) =>
        isUpchainError(e, "JOURNAL_INVALID") &&
        /interrupted run 20261123T080000-abcdef/.test((e as Error).message) &&
        /clearRun: "20261123T080000-abcdef"/.test((e as Error).message),
    );
    assert.strictEqual(fs.existsSync(trail), false);
  });

  it("a journal of the same plan resumes it from its step, with the step folder derived on the controller", async () => {
    plant(JSON.stringify({ ...newJournal("20261123T080000-abcdef", plan()), next: 2 }));
    const r = await execute();
    assert.strictEqual(r.resumedRun, "20261123T080000-abcdef");
    assert.deepStrictEqual(fs.readFileSync(trail, "utf8").trim().split("\n"), ["change"]);
    assert.ok(fs.existsSync(path.join(dir, "state/runs/20261123T080000-abcdef/002-change/rc")));
  });

  it("refuses shapes a journal never has", () => {
    const good = newJournal("20261123T080000-abcdef", plan());
    const cases: [string, object][] = [
      ["a run id with a path in it", { ...good, run: "../../etc" }],
      ["an in-flight step past the end", { ...good, inFlight: { index: 99 } }],
      ["an in-flight folder from the host", { ...good, inFlight: { index: 0, dir: "/etc" } }],
      ["an unknown status", { ...good, status: "skip" }],
      ["a next step past the end", { ...good, next: 4 }],
      ["a step in flight that is not the next one", { ...good, next: 1, inFlight: { index: 0 } }],
      ["a run marked done with steps left", { ...good, status: "done", next: 2 }],
      ["a run marked done with a step in flight", { ...good, status: "done", next: 3, inFlight: { index: 2 } }],
    ];
    for (const [what, j] of cases) {
      assert.throws(
        () => parseJournal(JSON.stringify(j), "h:/j"),
        (e: unknown) => isUpchainError(e, "JOURNAL_INVALID"),
        what,
      );
    }
    assert.deepStrictEqual(parseJournal(JSON.stringify(good), "h:/j"), good);
  });

  it("the digest changes with any command or upload source, and not with key order", () => {
    const p = plan();
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    const reordered = reverseKeys(p) as typeof p;
    assert.notStrictEqual(JSON.stringify(reordered), JSON.stringify(p));
    assert.strictEqual(planDigest(reordered), planDigest(p));
    const changed = { ...p, steps: p.steps.map((s, i) => (i === 1 ? { ...s, source: "/etc/shadow" } : s)) };
    assert.notStrictEqual(planDigest(changed), planDigest(p));
  });

  it("a module set's long versions (five Altazion modules) and a failed hop's long name round-trip", () => {
    const five = ["gestioncommerciale", "ecommerce", "phygitalapi", "integration", "database"];
    const from = five.map((m) => `${m}=5.1.0.0`).join(",");
    const to = five.map((m) => `${m}=5.2.0.0`).join(",");
    const j = {
      ...newJournal("20261123T101500-a1b2c3", { product: "altazion-office", platform: "linux", from, to, hops: [], steps: [] }),
      status: "restore-failed" as const,
    };
    j.failure = {
      hop: `${from}->${to}`,
      step: '"Run reviewed script 2/3 002_procedures.sql (sha256 0123456789ab…)" (script-2)',
      restorePoint: "the database backup",
      why: "exited 1",
    };
    assert.deepStrictEqual(parseJournal(JSON.stringify(j), "here"), j);
  });

  it("writeJournal keeps the file private (0600)", async () => {
    const state = path.join(dir, "state");
    fs.mkdirSync(state);
    await writeJournal(new LocalHost(), state, "trail", newJournal("20261123T080000-abcdef", plan()), UNFENCED);
    assert.strictEqual(fs.statSync(journalPath(state, "trail")).mode & 0o777, 0o600);
  });

  it("a run's last journal is written and archived in one round trip; sent again after a link that dropped under it, the run stays recorded once", async () => {
    const state = path.join(dir, "state");
    fs.mkdirSync(state);
    const host = new LocalHost();
    const j = newJournal("20261123T080000-abcdef", plan());
    await writeJournal(host, state, "trail", j, UNFENCED);
    const sent = host.commands.length;
    j.status = "done";
    j.next = j.steps;
    const first = await writeAndArchiveJournal(host, state, "trail", j, UNFENCED);
    assert.strictEqual(host.commands.length - sent, 1, "one exec");
    assert.strictEqual(first, path.join(state, "history", "trail.20261123T080000-abcdef.json"));
    assert.strictEqual(parseJournal(fs.readFileSync(first, "utf8"), "history").status, "done");
    assert.ok(!fs.existsSync(journalPath(state, "trail")));
    // the answer was lost and the controller sends it again
    assert.strictEqual(await writeAndArchiveJournal(host, state, "trail", j, UNFENCED), first);
    assert.deepStrictEqual(fs.readdirSync(path.join(state, "history")), ["trail.20261123T080000-abcdef.json"]);
    assert.ok(!fs.existsSync(journalPath(state, "trail")));
  });
});
