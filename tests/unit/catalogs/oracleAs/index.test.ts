// The catalog as a whole: no invented version source (004 names none, so the site's versionCommand or
// current says it), the Web Cache member's propagation demanded at preview, and the optional
// `dcmctl leavefarm` after the verify: its failure warns and is recorded, it never rolls back.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { Catalog, Step } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { versionSource } from "../../../../providers/engine/planning/installedVersion";
import { planInputProblems, planUpgrade } from "../../../../providers/engine/planning/planner";
import { quote as q } from "../../../../providers/quote";
import { serverEntryProblems } from "../../../../stacks/serverEntry";
import { LocalHost, tempDir } from "../../../support/localHost";

const options = {
  installers: { destination: "site-install" },
  infrastructureCheck: "none",
  homeCommands: { start: "site-start", stop: "site-stop" },
  components: ["webCache"],
  postUpgradeTasks: { webCacheWallet: "done" },
  webCacheMember: true,
  webCache: { propagateCommand: "site-propagate" },
  decommissionSource: true,
};

describe("oracle-as: the catalog", () => {
  it("reads no version file 004 never names: the site's versionCommand, else the tracked or declared version", () => {
    assert.strictEqual(oracleAs.probeVersion, undefined);
    const ctx = { platform: "linux" as const, releases: oracleAs.defaultReleases, options: {} };
    assert.deepStrictEqual(versionSource(oracleAs, ctx, { versionCommand: "site-version" }), { kind: "site", probe: { shell: "sh", command: "site-version" } });
    assert.deepStrictEqual(versionSource(oracleAs, ctx, { current: "9.0.4" }), { kind: "declared", version: "9.0.4" });
    const all = planUpgrade(oracleAs, { installed: "9.0.2.0", target: "10.1.2", platform: "linux", options })
      .steps.map((s) => s.commands.join("\n"))
      .join("\n");
    assert.doesNotMatch(all, /ias\.properties|webcachectl/);
  });

  it("a stack may give versionCommand and current for an oracle-as server", () => {
    const p = serverEntryProblems(
      { name: "mid1", product: "oracle-as", host: "10.0.0.1", version: "10.1.2", versionCommand: "site-version", current: "9.0.4" },
      0,
    );
    assert.deepStrictEqual(
      p.filter((x) => /versionCommand|current/.test(String(x.path.join(".")))),
      [],
    );
  });

  it("a Web Cache member without options.webCache.propagateCommand is refused at preview, saying what to give", () => {
    const o = { ...options, webCache: {} };
    const p = planInputProblems(oracleAs, planUpgrade(oracleAs, { installed: "9.0.4", target: "10.1.2", platform: "linux", options: o }).hops, {
      platform: "linux",
      options: o,
    });
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.webCache.propagateCommand"],
    );
    assert.match(p[0].message, /Propagate Configuration/);
  });
});

describe("oracle-as: a failing dcmctl leavefarm after the verify (local fake transport)", function () {
  this.timeout(30_000);

  /** The catalog's own 10.1.2 hop, each step only appending its id to a trail; leave-farm fails. */
  function trailCatalog(trail: string): Catalog {
    const traced = (s: Step): Step =>
      ({
        ...s,
        shell: "sh",
        commands: [`echo ${q(s.id)} >> ${q(trail)}`, ...(s.id === "leave-farm" ? ["echo 'dcmctl: not in a farm' >&2", "exit 1"] : [])],
      }) as Step;
    const ctxOf = (ctx: Parameters<Catalog["hopSteps"]>[1]) => ({ ...ctx, options });
    return {
      ...oracleAs,
      hostChecks: undefined,
      hopSteps: (hop, ctx) => oracleAs.hopSteps(hop, ctxOf(ctx)).map((s) => (s.action === "edit" ? traced({ ...s, action: "run" } as Step) : traced(s))),
      restoreSteps: (hop, ctx) => oracleAs.restoreSteps(hop, ctxOf(ctx)).map(traced),
      recoverSteps: (hop, ctx) => oracleAs.recoverSteps!(hop, ctxOf(ctx)).map(traced),
    };
  }

  it("warns and records it; nothing is restored and the verified 10.1.2 stays", async () => {
    const dir = tempDir();
    const trail = path.join(dir, "trail");
    const c = trailCatalog(trail);
    const plan = planUpgrade(c, { installed: "9.0.4", target: "10.1.2", platform: "linux", options });
    const logs: string[] = [];
    const error = await executePlan({
      host: new LocalHost(),
      catalog: c,
      plan,
      ctx: { platform: "linux", releases: c.defaultReleases, options },
      resource: "mid1",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      log: (line: string) => logs.push(line),
    }).then(
      () => undefined,
      (e) => e,
    );
    const ran = fs.existsSync(trail) ? fs.readFileSync(trail, "utf8").trim().split("\n") : [];
    if (error) console.log(String(error), logs.join("\n"));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.strictEqual(error, undefined, String(error));
    assert.deepStrictEqual(ran.slice(-4), ["verify", "start-console", "report-console-port", "leave-farm"]);
    assert.ok(!ran.some((id) => id.startsWith("restore") || id.startsWith("recover")), ran.join(" "));
    assert.ok(
      logs.some((l) => /leave-farm|leavefarm/.test(l) && /warn/i.test(l)),
      logs.join("\n"),
    );
  });
});
