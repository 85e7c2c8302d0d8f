import * as assert from "assert";
import { getCatalog } from "../../../../providers/catalogs";
import { hookNameProblem } from "../../../../providers/catalogs/altazion/hooks";
import { stepOfAction } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { FILES, PORTAL, offered, statusXml, webOptions } from "./fixtures";

const catalog = getCatalog("altazion-office");
const xml = statusXml([
  { name: "ecommerce", available: "5.2.0.0" },
  { name: "gestioncommerciale", available: "5.2.1.0" },
]);

function plan(
  options: Record<string, unknown> = webOptions(),
  status = xml,
  target = "ecommerce=5.2.0.0,gestioncommerciale=latest",
  installed = "ecommerce=5.1.0.0,gestioncommerciale=5.1.0.0",
) {
  const o = offered(options, status, installed, target);
  return { plan: planUpgrade(catalog, { installed, target: o.target, platform: "linux", releases: o.releases, options }), offer: o };
}

describe("altazion plan: one hop per module, in the stack's order, to what the update service detected", () => {
  it("resolves latest to the detected version and shows installed -> available -> target per module", () => {
    const { plan: p, offer } = plan();
    assert.strictEqual(offer.target, "ecommerce=5.2.0.0,gestioncommerciale=5.2.1.0");
    assert.deepStrictEqual(offer.lines, [
      "ecommerce: installed 5.1.0.0 -> available 5.2.0.0 -> target 5.2.0.0",
      "gestioncommerciale: installed 5.1.0.0 -> available 5.2.1.0 -> target 5.2.1.0",
    ]);
    assert.deepStrictEqual(
      p.hops.map((h) => `${h.from} -> ${h.to}`),
      [
        "ecommerce=5.1.0.0,gestioncommerciale=5.1.0.0 -> ecommerce=5.2.0.0,gestioncommerciale=5.1.0.0",
        "ecommerce=5.2.0.0,gestioncommerciale=5.1.0.0 -> ecommerce=5.2.0.0,gestioncommerciale=5.2.1.0",
      ],
    );
  });

  it("tells the users after the service check (003's order) before the first module and after the last one only, and backs each module up before its install", () => {
    const { plan: p } = plan();
    const ids = p.steps.map((s) => `${p.hops.findIndex((h) => `${h.from}->${h.to}` === s.hop)}:${s.id}`);
    assert.deepStrictEqual(ids, [
      "0:service-ready",
      "0:notify-start",
      "0:backup",
      "0:folders-free",
      "0:install",
      "0:verify",
      "0:pools-started",
      "0:maintenance",
      "1:service-ready",
      "1:backup",
      "1:folders-free",
      "1:install",
      "1:verify",
      "1:pools-started",
      "1:maintenance",
      "1:notify-end",
    ]);
    assert.match(p.steps[1].title, /ecommerce, gestioncommerciale will be cut/);
  });

  it("retries the document's way: again after the wait, then with the module's own pools stopped and started again whatever happens", () => {
    const { plan: p } = plan();
    const gc = stepOfAction(p.steps.filter((s) => s.id === "install")[1], "http");
    assert.deepStrictEqual(
      gc.attempts.map((a) => a.waitSeconds),
      [0, 150, 0],
    );
    assert.deepStrictEqual(gc.attempts[2].before, ["/usr/local/sbin/altazion-apppool stop 'GC pool'", "/usr/local/sbin/altazion-apppool stop 'GC api'"]);
    assert.strictEqual(gc.attempts[2].after?.length, 2);
    assert.match(gc.attempts[2].after![0], /altazion-apppool start 'GC pool'/);
    assert.deepStrictEqual(gc.request, { method: "POST", path: "/Updates/Install", headers: { "content-type": "application/x-www-form-urlencoded" } });
  });

  it("an integration module has no pool to stop: two attempts, and the give-up message says why", () => {
    const options = { portal: PORTAL, ...FILES, modules: [{ name: "integration", target: "latest", folder: "/srv/altazion/integration" }] };
    const { plan: p } = plan(options, statusXml([{ name: "integration", available: "5.2" }]), "integration=latest", "integration=5.1.0.0");
    const install = stepOfAction(
      p.steps.find((s) => s.id === "install")!,
      "http",
    );
    assert.strictEqual(install.attempts.length, 2);
    assert.match(install.giveUp, /not a web module/);
    assert.ok(!p.steps.some((s) => s.id === "maintenance" || s.id === "pools-started"));
  });

  it("a module already at its target makes no hop; a target the service did not detect has no chain", () => {
    const options = webOptions("linux", {
      modules: [
        { name: "ecommerce", target: "5.1.0.0", folder: "/srv/altazion/ecommerce" },
        { name: "gestioncommerciale", target: "5.2.1.0", folder: "/srv/altazion/gc" },
      ],
    });
    const { plan: p } = plan(options, xml, "ecommerce=5.1.0.0,gestioncommerciale=5.2.1.0", "ecommerce=5.1.0.0,gestioncommerciale=5.1.0.0");
    assert.deepStrictEqual(
      p.hops.map((h) => h.to),
      ["ecommerce=5.1.0.0,gestioncommerciale=5.2.1.0"],
    );
    assert.throws(() => plan(options, xml, "ecommerce=5.2.0.0,gestioncommerciale=5.2.1.0"), /is not the modules' targets in options.modules/);
    assert.throws(
      () => plan(webOptions("linux", { modules: [{ name: "ecommerce", target: "5.3.0.0", folder: "/srv/altazion/ecommerce" }] }), xml, "ecommerce=5.3.0.0"),
      (e: unknown) => isUpchainError(e) && /not a known Altazion Office release|no chain/.test(e.message),
    );
  });

  it("with the remedy, a target not detected yet is planned: the run makes the service detect it first", () => {
    const options = webOptions("linux", { remedy: true, modules: [{ name: "ecommerce", target: "5.3.0.0", folder: "/srv/altazion/ecommerce" }] });
    const { plan: p } = plan(options, xml, "ecommerce=5.3.0.0", "ecommerce=5.1.0.0");
    const ready = p.steps.find((s) => s.id === "service-ready")!;
    assert.match(ready.title, /start or restart it, wait up to 1200s/);
    assert.ok(ready.commands.some((c) => c.includes("restart")));
  });

  it("a target older than what is installed is a downgrade, refused", () => {
    const options = webOptions("linux", { modules: [{ name: "ecommerce", target: "5.0.0.0", folder: "/srv/altazion/ecommerce" }] });
    assert.throws(
      () => plan(options, xml, "ecommerce=5.0.0.0", "ecommerce=5.1.0.0"),
      (e: unknown) => isUpchainError(e, "DOWNGRADE"),
    );
  });

  it("a customised database (the stack's options.database) with its reviewed scripts: backup, check of the list, one step per script in order, from the site's folder", () => {
    const scripts = [
      { name: "001_tables.sql", sha256: "a".repeat(64) },
      { name: "002_version.sql", sha256: "b".repeat(64) },
    ];
    const database = {
      sqlCommand: "altazion-sql",
      backupCommand: "altazion-sql --backup /var/backups/db",
      scriptsFolder: "/srv/altazion-sql/{version}",
      reviewedScripts: scripts,
    };
    const options = { modules: [{ name: "database", target: "latest", folder: "/srv/altazion/database" }], database, ...FILES };
    const { plan: p } = plan(options, statusXml([{ name: "database", available: "5.2" }]), "database=latest", "database=5.1.0.0");
    assert.deepStrictEqual(
      p.steps.map((s) => s.id),
      ["backup", "check-scripts", "script-1", "script-2"],
    );
    // the site's file is read once, into a private copy, and the copy is what is checked and run
    assert.ok(
      p.steps[2].commands.some((c) => c === 'cp -- /srv/altazion-sql/5.2.0.0/001_tables.sql "$copy"/001_tables.sql'),
      p.steps[2].commands.join("\n"),
    );
    assert.ok(
      p.steps[2].commands.some((c) => c === 'altazion-sql "$copy"/001_tables.sql'),
      p.steps[2].commands.join("\n"),
    );
    assert.deepStrictEqual(
      catalog.restoreSteps(p.hops[0], { platform: "linux", releases: [], options }).map((s) => s.commands.join(";")),
      ["echo 'no options.database.restoreCommand: restore the database by hand from the backup made by: altazion-sql --backup /var/backups/db' >&2; exit 1"],
    );
  });

  it("hook names: PHASE_module.ps1 exactly; the document's '-' example and wrong case are refused saying why", () => {
    const hosted = ["ecommerce", "phygitalapi"];
    assert.strictEqual(hookNameProblem("PREINSTALL_ecommerce.ps1", hosted), undefined);
    assert.match(hookNameProblem("POSTINSTALL-phygital.ps1", hosted)!, /phygital is not a module \(the module is phygitalapi\)/);
    assert.match(hookNameProblem("POSTINSTALL-phygitalapi.ps1", hosted)!, /separates phase and module with "-"/);
    assert.match(hookNameProblem("preinstall_ecommerce.ps1", hosted)!, /must be written PREINSTALL_ecommerce.ps1/);
    assert.match(hookNameProblem("MIDINSTALL_ecommerce.ps1", hosted)!, /MIDINSTALL is not a phase/);
    assert.match(hookNameProblem("PREINSTALL_integration.ps1", hosted)!, /does not host/);
    assert.match(hookNameProblem("PREINSTALL_database.ps1", ["database"])!, /database is not a module/);
    assert.match(hookNameProblem("PREINSTALL_ecommerce.txt", hosted)!, /not a hook name/);
  });

  it("on Linux the folders-free step's stand-in sees every process's working folder: its title says so, with no operator's part", () => {
    const { plan: p } = plan();
    const free = p.steps.find((s) => s.id === "folders-free")!;
    assert.strictEqual(
      free.title,
      "Check no process has its working folder in /srv/altazion/ecommerce (stands for 003's explorer windows and command lines) (« Avant toutes autres choses »)",
    );
  });
});
