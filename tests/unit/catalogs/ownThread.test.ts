// A catalog module of one's own runs in a worker thread, and each call into it has a time limit
// (issue 19: "an endless legalHops … hangs preview"): a loop in the module stops that thread, never
// the provider's, which plans the whole fleet and beats the runs' locks.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getCatalog } from "../../../providers/catalogs";
import { loadCatalogModule } from "../../../providers/catalogs/own";
import { planUpgrade } from "../../../providers/engine/planning/planner";
import { probedVersion } from "../../../providers/engine/planning/catalog";
import { isUpchainError } from "../../../providers/errors";
import { counter } from "../../support/counterCatalog";

const counterCatalog = path.resolve(__dirname, "../../support/counterCatalog.js");
const limits = { loadSeconds: 10, callSeconds: 1 };
/** Room over the limit for a loaded 2-core machine: starting the thread and ending it. */
const MARGIN_MS = 3_000;

describe("a catalog module of one's own runs in a thread of its own, each call within a time limit", function () {
  this.timeout(30_000);
  const program = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-own-thread-"));
  const variant = (name: string, change: string) =>
    fs.writeFileSync(
      path.join(program, `catalogs/${name}.js`),
      `const c = { ...require(${JSON.stringify(counterCatalog)}).counter, product: ${JSON.stringify(name)} };\n${change}\nexports.catalog = c;\n`,
    );
  // a module stopped here stays registered for the rest of the unit run, where tests go over every
  // product with a version probe (server/installed.test.ts): the stopped ones have none, so they are left out
  const stoppedVariant = (name: string, change: string) => variant(name, `delete c.probeVersion;\n${change}`);
  before(() => {
    fs.mkdirSync(path.join(program, "catalogs"));
    stoppedVariant("spinning", "c.legalHops = () => { for (;;); };");
    stoppedVariant("waiting", "c.requiredStops = () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return []; };");
    variant("answering", "");
    variant(
      "reading",
      `c.probeVersion = () => ({ shell: "sh", command: "cat /opt/reading/status", read: (out) => /version=(\\d+)/.exec(out)?.[1] });
c.hostChecks = () => [{ id: "space", path: "options", shell: "sh", command: "df -P /opt", judge: (r) => (r.code === 0 ? undefined : "no room: " + r.stderr) }];`,
    );
    fs.writeFileSync(
      path.join(program, "catalogs/classy.js"),
      `const base = require(${JSON.stringify(counterCatalog)}).counter;
class Move { constructor(h) { Object.assign(this, h); } describe() { return this.from + " to " + this.to; } }
class Classy {
  constructor() { Object.assign(this, { product: "classy", title: base.title, scheme: base.scheme, platforms: base.platforms, defaultReleases: base.defaultReleases }); }
  legalHops(from, ctx) { return base.legalHops(from, ctx).map((h) => new Move(h)); }
  requiredStops() { return []; }
  hopSteps(hop, ctx) { return base.hopSteps(hop, ctx); }
  restoreSteps(hop, ctx) { return base.restoreSteps(hop, ctx); }
}
exports.catalog = new Classy();
`,
    );
    stoppedVariant("late", `setTimeout(() => { throw new Error("thrown from a timer"); }, 10);`);
    variant("throwing", `c.legalHops = () => { throw new Error("our release list is closed today"); };`);
  });
  after(() => fs.rmSync(program, { recursive: true, force: true }));

  const plan = (product: string) => () => planUpgrade(getCatalog(product), { installed: "1", target: "3", platform: "linux" });
  const stopped = (fn: string) => (e: unknown) =>
    isUpchainError(e, "INVALID_INPUT") &&
    e.path[0] === "catalogModule" &&
    e.message.includes(`"./catalogs/${e.message.includes("spinning") ? "spinning" : "waiting"}"`) &&
    e.message.includes(`${fn}()`) &&
    e.message.includes("within 1 s") &&
    /fix catalog\.\w+ in the module so that it returns/.test(e.message);

  it("a legalHops that loops is refused within the limit (and a margin), naming catalogModule, the module, the function and the limit; the process still answers", async () => {
    assert.strictEqual(loadCatalogModule("./catalogs/spinning", "spinning", program, limits), undefined);
    const started = Date.now();
    assert.throws(
      plan("spinning"),
      (e: unknown) =>
        stopped("catalog.legalHops")(e) &&
        /did not answer catalog\.legalHops\(\) within 1 s \(a loop, or a wait\?\), so its thread was stopped/.test((e as Error).message),
    );
    const took = Date.now() - started;
    assert.ok(took >= 1_000 && took < 1_000 + MARGIN_MS, `refused after ${took} ms`);
    // the event loop runs (a lock's heartbeat would), and the stopped thread no longer spins
    const timer = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(Date.now() - timer < 1_000, `a 20 ms timer fired after ${Date.now() - timer} ms`);
    const cpu = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1_000));
    const used = process.cpuUsage(cpu);
    assert.ok(
      (used.user + used.system) / 1000 < 400,
      `the process used ${Math.round((used.user + used.system) / 1000)} ms of CPU in 1 s: the looping thread still runs`,
    );
  });

  it("a second server of the same product after the time-out is refused at once, not hung", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/spinning", "spinning", program, limits), undefined, "the module is the one already loaded");
    const started = Date.now();
    assert.throws(
      plan("spinning"),
      (e: unknown) =>
        stopped("catalog.legalHops")(e) && /was stopped earlier in this run, when catalog\.legalHops\(\) did not answer within 1 s/.test((e as Error).message),
    );
    assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
  });

  it("a function that waits (Atomics.wait, a synchronous sleep) is stopped the same way", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/waiting", "waiting", program, limits), undefined);
    const started = Date.now();
    assert.throws(plan("waiting"), stopped("catalog.requiredStops"));
    assert.ok(Date.now() - started < 1_000 + MARGIN_MS, `took ${Date.now() - started} ms`);
  });

  it("a module answering normally plans exactly as the same catalog in the provider's own thread", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/answering", "answering", program, limits), undefined);
    const through = planUpgrade(getCatalog("answering"), { installed: "1", target: "5", platform: "linux" });
    const inProcess = planUpgrade({ ...counter, product: "answering" }, { installed: "1", target: "5", platform: "linux" });
    assert.deepStrictEqual(through, inProcess);
    assert.strictEqual(through.hops.length, 4);
    assert.throws(
      () => planUpgrade(getCatalog("answering"), { installed: "4", target: "2", platform: "linux" }),
      (e: unknown) => isUpchainError(e, "DOWNGRADE"),
      "its scheme's compare answers through the thread too",
    );
  });

  it("a catalog written as a class loads with its methods, and a class's instance it returns crosses as its data", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/classy", "classy", program, limits), undefined);
    const p = planUpgrade(getCatalog("classy"), { installed: "1", target: "3", platform: "linux" });
    assert.deepStrictEqual(
      { hops: p.hops, steps: p.steps },
      (({ hops, steps }) => ({ hops, steps }))(planUpgrade(counter, { installed: "1", target: "3", platform: "linux" })),
    );
  });

  it("the functions a catalog returns beside a command (a probe's read, a check's judge) are called through the thread", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/reading", "reading", program, limits), undefined);
    const c = getCatalog("reading");
    const ctx = { platform: "linux" as const, releases: ["1", "2"], options: {} };
    const probe = c.probeVersion!(ctx);
    assert.strictEqual(probe.command, "cat /opt/reading/status");
    assert.strictEqual(probedVersion(probe, "name=reading\nversion=7\n"), "7");
    const [check] = c.hostChecks!([], ctx);
    assert.strictEqual(check.judge({ code: 1, stdout: "", stderr: "df: /opt: No such file" }), "no room: df: /opt: No such file");
    assert.strictEqual(check.judge({ code: 0, stdout: "ok", stderr: "" }), undefined);
  });

  it("a module that throws from a timer ends its own thread, not the provider: its next call is refused at once, naming why", async () => {
    assert.strictEqual(loadCatalogModule("./catalogs/late", "late", program, limits), undefined);
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    assert.throws(
      plan("late"),
      (e: unknown) =>
        isUpchainError(e, "INVALID_INPUT") &&
        e.path[0] === "catalogModule" &&
        /"\.\/catalogs\/late" of late can no longer answer catalog\.\w+(\.\w+)?\(\): it threw outside any call \(thrown from a timer\)/.test(
          (e as Error).message,
        ),
    );
    assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
  });

  it("what a module's function throws is thrown again with its message", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/throwing", "throwing", program, limits), undefined);
    assert.throws(plan("throwing"), /our release list is closed today/);
  });
});
