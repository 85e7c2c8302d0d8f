// The Linux recipe's scripts run for real in sh on temp folders (paths with spaces, brackets and
// quotes): the maintenance rule's two outcomes, reading status.xml as data, the reviewed scripts check.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { linuxCommands } from "../../../../providers/catalogs/altazion/linux";
import { altazionOptions } from "../../../../providers/catalogs/altazion/options";
import { tempDir } from "../../../support/localHost";
import { statusXml } from "./fixtures";

const run = (lines: string[]) => spawnSync("sh", ["-c", lines.join("\n")], { encoding: "utf8" });

describe("altazion Linux scripts, run in sh", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("upchain-altazion-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const setup = () => {
    const data = path.join(dir, "Program Data", "[e]");
    const folder = path.join(dir, "site's ecommerce");
    fs.mkdirSync(path.join(data, "bin", "updates"), { recursive: true });
    fs.mkdirSync(folder);
    const o = altazionOptions({ dataFolder: data, modules: [{ name: "ecommerce", target: "latest", folder }] }, "linux");
    return { data, folder, o, c: linuxCommands(o), m: o.modules[0] };
  };

  it("app_offline.htm with no .bak is renamed to app_offline.bak", () => {
    const { folder, c, m } = setup();
    fs.writeFileSync(path.join(folder, "app_offline.htm"), "maintenance");
    const r = run(c.clearMaintenance(m));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(folder).sort(), ["app_offline.bak"]);
    assert.strictEqual(fs.readFileSync(path.join(folder, "app_offline.bak"), "utf8"), "maintenance");
  });

  it("app_offline.html with a .bak already there is deleted, the .bak kept as it was", () => {
    const { folder, c, m } = setup();
    fs.writeFileSync(path.join(folder, "app_offline.html"), "new");
    fs.writeFileSync(path.join(folder, "app_offline.bak"), "old");
    const r = run(c.clearMaintenance(m));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(folder).sort(), ["app_offline.bak"]);
    assert.strictEqual(fs.readFileSync(path.join(folder, "app_offline.bak"), "utf8"), "old");
  });

  it("no maintenance page: nothing changes", () => {
    const { folder, c, m } = setup();
    fs.writeFileSync(path.join(folder, "web.config"), "x");
    assert.strictEqual(run(c.clearMaintenance(m)).status, 0);
    assert.deepStrictEqual(fs.readdirSync(folder), ["web.config"]);
  });

  it("verify reads the module's installed version from status.xml, attributes in any order, written with 2 numbers", () => {
    const { data, c } = setup();
    const file = path.join(data, "bin", "updates", "status.xml");
    fs.writeFileSync(file, `<status>\n<module available="5.3" name="gestioncommerciale" installed="5.1"/>\n<module\n automatic="true" installed="5.2" name="ecommerce" available="5.2"/></status>`);
    const ok = run(c.verifyModule("ecommerce", "5.2.0.0"));
    assert.strictEqual(ok.status, 0, ok.stderr);
    const no = run(c.verifyModule("ecommerce", "5.3.0.0"));
    assert.strictEqual(no.status, 1);
    assert.match(no.stderr, /status.xml says ecommerce runs 5.2.0.0, not 5.3.0.0/);
    fs.writeFileSync(file, statusXml([{ name: "ecommerce", installed: "5.3.0.0", available: "5.3.0.0" }]));
    assert.strictEqual(run(c.verifyModule("ecommerce", "5.3.0.0")).status, 0);
  });

  it("the backup and its restore put the module's folder back exactly, an earlier restore point kept aside", () => {
    const { folder, c, m, o } = setup();
    fs.writeFileSync(path.join(folder, "web.config"), "v1");
    fs.mkdirSync(path.join(folder, "bin [x]"));
    fs.writeFileSync(path.join(folder, "bin [x]", "a*.dll"), "dll");
    const point = path.join(dir, "backups", "ecommerce-5.1.0.0-to-5.2.0.0");
    const o2 = altazionOptions({ ...o, backupDir: path.join(dir, "backups") }, "linux");
    const c2 = linuxCommands(o2);
    assert.strictEqual(run(c2.backupModule(m, point)).status, 0);
    const again = run(c2.backupModule(m, point));
    assert.match(again.stdout, /kept the earlier restore point as/);
    fs.writeFileSync(path.join(folder, "web.config"), "v2");
    fs.writeFileSync(path.join(folder, "new.dll"), "n");
    const r = run(c.restoreModule(m, point));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(folder).sort(), ["bin [x]", "web.config"]);
    assert.strictEqual(fs.readFileSync(path.join(folder, "web.config"), "utf8"), "v1");
    assert.strictEqual(fs.readFileSync(path.join(folder, "bin [x]", "a*.dll"), "utf8"), "dll");
  });

  it("the reviewed scripts check passes on the reviewed list and names what changed otherwise; a script runs only with its reviewed sha256", () => {
    const { data, c } = setup();
    const scripts = path.join(data, "bin", "updates", "packages", "database", "5.2.0.0", "scripts");
    fs.mkdirSync(scripts, { recursive: true });
    const files = { "001_tables.sql": "CREATE TABLE t (x int);\n", "002 version.sql": "INSERT INTO schema_version VALUES ('5.2.0.0');\n" };
    for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(scripts, n), t);
    const reviewed = Object.entries(files).map(([name, t]) => ({ name, sha256: crypto.createHash("sha256").update(t).digest("hex") }));
    assert.strictEqual(run(c.checkScripts("5.2.0.0", reviewed)).status, 0);
    const missing = run(c.checkScripts("5.2.0.0", reviewed.slice(0, 1)));
    assert.strictEqual(missing.status, 1);
    assert.match(missing.stderr, /not the ones reviewed/);
    fs.appendFileSync(path.join(scripts, "001_tables.sql"), "DROP TABLE customers;\n");
    const changed = run(c.checkScripts("5.2.0.0", reviewed));
    assert.match(changed.stderr, /001_tables.sql changed since it was reviewed/);
    const applied = path.join(dir, "applied");
    const runScript = run(c.runScript(`sh -c 'cat "$1" >> ${applied}' sql`, "5.2.0.0", reviewed[1]));
    assert.strictEqual(runScript.status, 0, runScript.stderr);
    assert.match(fs.readFileSync(applied, "utf8"), /schema_version/);
    const refused = run(c.runScript(`sh -c 'cat "$1" >> ${applied}' sql`, "5.2.0.0", reviewed[0]));
    assert.notStrictEqual(refused.status, 0, "a script whose content changed since the review is not run");
    assert.ok(!fs.readFileSync(applied, "utf8").includes("DROP TABLE"));
  });
});
