// Every OMFLOW Linux step says where it comes from, every quote is the document's own words, and no
// step reads a file no document names (the old recipe's VERSION).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { SOURCE } from "../../../../providers/catalogs/omflow/linuxSource";
import { planUpgrade } from "../../../../providers/engine/planning/planner";

// dist/tests/unit/catalogs/omflow -> the worktree; the seeds are shared beside it
const seeds = path.resolve(__dirname, "../../../../..", "../shared/seeds");
const normal = (s: string) => s.replace(/\s+/g, " ").trim();
const allSteps = (options: Record<string, unknown>, from: string, to: string) => {
  const p = planUpgrade(omflow, { installed: from, target: to, platform: "linux", options });
  const ctx = { platform: "linux" as const, releases: omflow.defaultReleases, options };
  return [...p.steps, ...p.hops.flatMap((h) => omflow.restoreSteps(h, ctx))];
};
const chains: [string, Record<string, unknown>, string, string][] = [
  ["a bugfix hop without options", {}, "1.1.6.1", "1.1.6.4"],
  ["the 1.2.0.0 chain offline", { offlineBundle: "/srv/b", databaseBackup: "true", databaseRestore: "true" }, "1.1.6.1", "1.2.0.1"],
  ["the 1.2.0.0 chain online", { online: true }, "1.1.5.0", "1.2.0.0"],
];

describe("OMFLOW on Linux: every step's provenance", () => {
  for (const [name, quoteSource] of Object.entries(SOURCE)) {
    if (quoteSource.kind !== "document") continue;
    it(`the quote of ${name} is in ${quoteSource.document} word for word`, function () {
      const file = path.join(seeds, quoteSource.document);
      if (!fs.existsSync(file)) this.skip();
      assert.ok(normal(fs.readFileSync(file, "utf8")).includes(normal(quoteSource.quote)), `${quoteSource.quote} is not in ${file}`);
    });
  }

  for (const [chain, options, from, to] of chains) {
    it(`${chain}: every hop step and restore step has a provenance`, () => {
      const missing = allSteps(options, from, to)
        .filter((s) => !s.provenance)
        .map((s) => s.id);
      assert.deepStrictEqual(missing, []);
    });

    it(`${chain}: no step reads or writes a VERSION file`, () => {
      const mentions = allSteps(options, from, to)
        .filter((s) => JSON.stringify(s).includes("VERSION"))
        .map((s) => s.id);
      assert.deepStrictEqual(mentions, []);
    });
  }

  const hop120 = allSteps({ offlineBundle: "/srv/b", runningCheck: "true" }, "1.1.6.1", "1.2.0.0");
  const provenanceOf = (id: string) => hop120.find((s) => s.id === id)!.provenance as { kind: string; section?: string; quote?: string };

  it("install-packages cites the Supplement's requirements.txt method it runs, not step 6's bare pip install line", () => {
    const p = provenanceOf("install-packages");
    assert.strictEqual(p.kind, "document");
    assert.match(p.quote!, /requirements\.txt/);
    assert.doesNotMatch(p.quote!, /pip install django==4\.2 ldap3 mod_wsgi openpyxl/);
    assert.match(hop120.find((s) => s.id === "install-packages")!.commands.join("\n"), /pip install .*-r /);
  });

  it("install-mod-wsgi cites the Supplement's offline installation of mod_wsgi and its title says pip builds that sdist instead of python setup.py install", () => {
    const p = provenanceOf("install-mod-wsgi");
    assert.match(p.section!, /Offline Installation of mod\\_wsgi/);
    assert.match(p.quote!, /python setup\.py install$/);
    assert.match(hop120.find((s) => s.id === "install-mod-wsgi")!.title, /pip builds and installs the same sdist 001 installs with python setup\.py install/);
  });

  it("restart-apache changes what runs, so it cites 001's step 8 (start OMFLOW 1.2.0.0) and is marked as changing the server, not as a safety step", () => {
    const p = provenanceOf("restart-apache");
    assert.strictEqual(p.kind, "document");
    assert.strictEqual(p.section, "Linux, Linux Update Version 1.2.0.0 Steps 8");
    assert.strictEqual(hop120.find((s) => s.id === "restart-apache")!.destructive, true);
  });

  it("the site's commands are named by the field the user writes, never defaulted", () => {
    const steps = allSteps({}, "1.1.6.1", "1.1.6.3");
    const site = steps.filter((s) => s.provenance?.kind === "site").map((s) => [s.id, (s.provenance as { field: string }).field]);
    assert.deepStrictEqual(site, [
      ["backup-database", "options.databaseBackup"],
      ["upload-patch", "options.patches"],
      ["verify", "options.runningCheck"],
      ["restore-database", "options.databaseRestore"],
    ]);
    assert.match(steps.find((s) => s.id === "backup-database")!.commands.join("\n"), /<site: options\.databaseBackup> is not given/);
  });
});
