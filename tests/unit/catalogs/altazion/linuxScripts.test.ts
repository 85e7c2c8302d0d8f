// The Linux recipe's scripts run for real in sh on temp folders (paths with spaces, brackets and
// quotes): the maintenance rule's two outcomes, reading status.xml as data, the reviewed scripts check.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { spawn, spawnSync } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import { listedPattern } from "../../../../providers/catalogs/altazion/portal";
import { getCatalog } from "../../../../providers/catalogs";
import { linuxCommands } from "../../../../providers/catalogs/altazion/linux";
import { altazionOptions } from "../../../../providers/catalogs/altazion/options";
import { tempDir } from "../../../support/localHost";
import { FILES, PORTAL } from "./fixtures";
import { FILE_CAP_BYTES } from "../../../../providers/catalogs/altazion/status";

const run = (lines: string[]) => spawnSync("sh", ["-c", lines.join("\n")], { encoding: "utf8" });
/** In sh without blocking this process (a test's own HTTP server must answer meanwhile). */
const runAsync = (lines: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn("sh", ["-c", lines.join("\n")]);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });

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

  it("verify asks the portal's list page and passes only when the site's pattern no longer finds the module (status.xml is not read)", async () => {
    let page = '<form data-module="ecommerce"><input type="submit" value="Installer"></form>';
    const server = http.createServer((_req, res) => res.end(page));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { data, folder } = setup();
      const o = altazionOptions({ dataFolder: data, portal: { ...PORTAL, port }, modules: [{ name: "ecommerce", target: "latest", folder }] }, "linux");
      const c = linuxCommands(o);
      const verify = c.verifyModule("ecommerce", listedPattern(o.portal, "ecommerce"));
      const still = await runAsync(verify);
      assert.strictEqual(still.status, 1);
      assert.match(still.stderr, /ecommerce is still in the portal's list of modules to update/);
      page = "<p>Toutes les applications sont à jour</p>";
      const left = await runAsync(verify);
      assert.strictEqual(left.status, 0, left.stderr);
      assert.ok(!verify.join("\n").includes("status.xml"), "the installed version is never read from status.xml");
    } finally {
      server.close();
    }
  });

  it("no process works in the module's folder: the document's first advice passes; a shell open there is named", async () => {
    const { folder, c, m } = setup();
    assert.strictEqual(run(c.foldersFree(m)).status, 0);
    const shell = spawn("sh", ["-c", "sleep 30"], { cwd: folder });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const r = run(c.foldersFree(m));
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, new RegExp(`${shell.pid}\\(sh\\).*\\(sleep\\).*close every explorer and command line`));
    } finally {
      shell.kill();
    }
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

  it("the reviewed scripts check passes on the reviewed list in the site's folder and names what changed otherwise; a script runs only with its reviewed sha256", () => {
    const { data, folder } = setup();
    const c = linuxCommands(
      altazionOptions(
        {
          dataFolder: data,
          modules: [{ name: "database", target: "latest", folder }],
          database: { sqlCommand: "true", backupCommand: "true", scriptsFolder: path.join(dir, "sql", "{version}", "scripts") },
        },
        "linux",
      ),
    );
    const scripts = path.join(dir, "sql", "5.2.0.0", "scripts");
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

  it("the database step runs a private copy of the reviewed script: checked and run from a fresh root-only folder that is gone afterwards, the site's file opened once", () => {
    const { data, folder } = setup();
    const c = linuxCommands(
      altazionOptions(
        {
          dataFolder: data,
          modules: [{ name: "database", target: "latest", folder }],
          database: { sqlCommand: "true", backupCommand: "true", scriptsFolder: path.join(dir, "sql", "{version}") },
        },
        "linux",
      ),
    );
    const scripts = path.join(dir, "sql", "5.2.0.0");
    fs.mkdirSync(scripts, { recursive: true });
    const text = "UPDATE t SET x = 1;\n";
    fs.writeFileSync(path.join(scripts, "003 fix.sql"), text);
    const reviewed = { name: "003 fix.sql", sha256: crypto.createHash("sha256").update(text).digest("hex") };
    const seen = path.join(dir, "seen");
    // the SQL command tells where it was pointed, that folder's mode, and what it read
    const sql = `sh -c 'printf "%s\\n" "$1" > ${seen}; stat -c %a "$(dirname "$1")" >> ${seen}; cat "$1" >> ${seen}' sql`;
    const r = run(c.runScript(sql, "5.2.0.0", reviewed));
    assert.strictEqual(r.status, 0, r.stderr);
    const [where, mode, ...content] = fs.readFileSync(seen, "utf8").split("\n");
    assert.notStrictEqual(where, path.join(scripts, "003 fix.sql"), "not the site's file");
    assert.strictEqual(path.basename(where), "003 fix.sql", "the copy keeps the script's name");
    assert.strictEqual(mode, "700");
    assert.strictEqual(content.join("\n"), text);
    assert.strictEqual(fs.existsSync(path.dirname(where)), false, "the copy's folder is removed after the step");
    fs.writeFileSync(path.join(scripts, "003 fix.sql"), "DROP TABLE customers;\n");
    fs.rmSync(seen);
    const refused = run(c.runScript(sql, "5.2.0.0", reviewed));
    assert.strictEqual(refused.status, 1);
    assert.match(refused.stderr, /003 fix.sql changed since it was reviewed .*: not run/);
    assert.strictEqual(fs.existsSync(seen), false, "the SQL command never ran");
    assert.deepStrictEqual(
      fs.readdirSync(process.env.TMPDIR ?? "/tmp").filter((n) => n.startsWith("upchain-sql.")),
      [],
      "no copy left behind",
    );
  });

  it("the hooks are placed only on an Altazion server: the product check fails where the update service is not installed, and says so", () => {
    const { data, folder } = setup();
    const ctx = {
      platform: "linux" as const,
      releases: [],
      options: { dataFolder: data, modules: [{ name: "ecommerce", target: "latest", folder, pools: ["EC"] }] },
    };
    const check = getCatalog("altazion-office").fileSets!.hooks.productCheck!(ctx);
    const r = run([check.command]);
    assert.notStrictEqual(r.status, 0, "this machine has no altazion-service: not an Altazion server");
    assert.match(check.problem, /this is not an Altazion Office server: the update service "\[e\] - service principal" is not installed/);
    assert.doesNotMatch(check.command.replace(/>\/dev\/null 2>&1/g, ""), /mkdir|\bcp |\bmv |\brm |>/, "read-only");
  });

  describe("the service-ready step reads status.xml in sh as the site describes it", () => {
    const PASCAL = { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" };
    const pascal = (version: string) =>
      `<?xml version="1.0" encoding="utf-8"?>\n<Status>\n  <!-- <Module Name="ecommerce" LastDetectedVersion="9.9.9.9"/> -->\n  <Module LastDetectedVersion="4.0.0.0" Name="integration"/>\n  <Module\n    LastDetectedVersion='${version}' Name="ecommerce"/>\n</Status>\n`;
    /** serviceReady for ecommerce 5.2.0.0 against a portal that answers, with `xml` as status.xml. */
    async function ready(xml: string, statusFile: Record<string, string> = PASCAL) {
      const server = http.createServer((_req, res) => res.end("<p>liste</p>"));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const data = fs.mkdtempSync(path.join(dir, "data [e] "));
        const folder = path.join(data, "ecommerce");
        fs.mkdirSync(path.join(data, "bin", "updates"), { recursive: true });
        fs.writeFileSync(path.join(data, "bin", "updates", "status.xml"), xml);
        const port = (server.address() as AddressInfo).port;
        const o = altazionOptions(
          { dataFolder: data, portal: { ...PORTAL, port }, statusFile, modules: [{ name: "ecommerce", target: "latest", folder }] },
          "linux",
        );
        const t = Date.now();
        return { ...(await runAsync(linuxCommands(o).serviceReady("ecommerce", "5.2.0.0", false))), ms: Date.now() - t };
      } finally {
        server.close();
      }
    }

    it("finds the module's version with the site's element and attribute names, in any order and quoting, past a comment", async () => {
      const r = await ready(pascal("5.2.0.0"));
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /the update service offers ecommerce 5\.2\.0\.0/);
    });

    it("a description of another shape finds nothing: the step says the service has not detected the version (no shape is hard-coded)", async () => {
      const r = await ready(pascal("5.2.0.0"), FILES.statusFile);
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /has detected no version of ecommerce, not 5\.2\.0\.0/);
    });

    it("odd versions are refused, naming them, not changed: 20 digits, a leading space, a line end, a leading zero", async () => {
      for (const odd of ["99999999999999999999.1.1.1", " 5.2.0.0", "5.2.0.0\n", "05.2.0.0"]) {
        const r = await ready(pascal(odd));
        assert.strictEqual(r.status, 1, JSON.stringify(odd));
        assert.match(
          r.stderr,
          /status\.xml gives ecommerce a latest detected version that is not one \([?0-9.]+\): 2 to 4 numbers of at most 9 digits/,
          JSON.stringify(odd),
        );
      }
    });

    it("a status.xml over the cap is refused naming its size and the cap", async () => {
      const big = pascal("5.2.0.0") + `<!-- ${"x".repeat(FILE_CAP_BYTES)} -->\n`;
      const r = await ready(big);
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, new RegExp(`status\\.xml is ${Buffer.byteLength(big)} bytes, over upchain's cap of ${FILE_CAP_BYTES} bytes`));
    });

    it("a hostile status.xml just under the cap is read in linear time (one awk pass): the step answers within 3 s", async () => {
      const unit = `<Module Name="ecommerce" LastDetectedVersion='`;
      const hostile =
        `<Module ${'a="" '.repeat(20000)} Name="x"/>` +
        unit.repeat(Math.floor((FILE_CAP_BYTES - 100_100) / unit.length)) +
        `<Module LastDetectedVersion="5.2.0.0" Name="ecommerce"/>`;
      assert.ok(hostile.length < FILE_CAP_BYTES);
      const r = await ready(hostile);
      assert.ok(r.ms < 3000, `${r.ms} ms`);
      assert.strictEqual(r.status, 0, r.stderr);
    });
  });
});
