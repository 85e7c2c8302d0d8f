// The Altazion options as preview refuses them: what 003 leaves to the site (the portal's page and
// form, the pools, the database's scripts) has no default and is asked for, every field at once.
import * as assert from "assert";
import { checkAltazionOptions } from "../../../../providers/catalogs/altazion/options";
import { FILES, PORTAL } from "./fixtures";

const modules = [
  { name: "ecommerce", target: "latest", folder: "/srv/altazion/ecommerce", pools: ["Ecommerce"] },
  { name: "integration", target: "latest", folder: "/srv/altazion/integration" },
];
const problems = (raw: unknown) => checkAltazionOptions(raw, "linux").problems.map((p) => `${p.path}: ${p.message}`);

describe("altazion options: what the document leaves to the site", () => {
  it("without the site's portal and file descriptions, preview names listedPattern, installingPattern, install, statusFile and applicationsFile at once; port 8080 and / are 003's", () => {
    const got = problems({ modules });
    assert.deepStrictEqual(
      got.map((l) => l.split(":")[0]),
      ["options.portal.listedPattern", "options.portal.installingPattern", "options.portal.install", "options.statusFile", "options.applicationsFile"],
    );
    assert.match(got[0], /missing: give the regular expression that matches the portal's page while \{module\} is still to update/);
    assert.match(got[2], /\{ method, path, fields: .*tokensFromPage/);
    assert.match(
      got[3],
      /^options\.statusFile: missing: give how the server's status.xml writes each module's latest detected version, as \{ element, moduleAttribute, versionAttribute \} \(003 says only that it holds « la dernière version détectée par le module »/,
    );
    assert.match(
      got[4],
      /^options\.applicationsFile: missing: give how the server's applicationspath.config declares each module and its path, as \{ element, moduleAttribute, pathAttribute \}/,
    );
    const ok = checkAltazionOptions(
      { modules, ...FILES, portal: { listedPattern: PORTAL.listedPattern, installingPattern: PORTAL.installingPattern, install: PORTAL.install } },
      "linux",
    );
    assert.deepStrictEqual(ok.problems, []);
    assert.strictEqual(ok.options!.portal.port, 8080);
    assert.strictEqual(ok.options!.portal.listPath, "/");
  });

  it("a pattern without {module}, or that is not a regular expression, is refused naming the field", () => {
    const got = problems({ modules, portal: { ...PORTAL, listedPattern: "data-module", installingPattern: "({module}" } });
    assert.ok(
      got.some((l) => /^options\.portal\.listedPattern: must contain \{module\}/.test(l)),
      got.join("\n"),
    );
    assert.ok(
      got.some((l) => /^options\.portal\.installingPattern: is not a regular expression/.test(l)),
      got.join("\n"),
    );
  });

  it("a web module without its IIS pools is refused: 003 names no pool, the site does", () => {
    const got = problems({ modules: [{ name: "gestioncommerciale", target: "latest", folder: "/srv/gc" }], portal: PORTAL, ...FILES });
    assert.deepStrictEqual(
      got.map((l) => l.split(":")[0]),
      ["options.modules[0].pools"],
    );
  });

  it("sqlCommand with sqlcmd but no -b is refused (sqlcmd exits 0 after a failing script); with -b it is taken", () => {
    const database = { backupCommand: "backup-db", scriptsFolder: "/srv/sql/{version}" };
    const problems = (raw: Record<string, unknown>) => checkAltazionOptions({ ...raw, ...FILES }, "linux").problems.map((p) => `${p.path}: ${p.message}`);
    const db = [{ name: "database", target: "latest", folder: "/srv/altazion/database" }];
    const without = problems({ modules: db, database: { ...database, sqlCommand: "sqlcmd -S localhost -d Altazion -i" } });
    assert.deepStrictEqual(
      without.map((l) => l.split(":")[0]),
      ["options.database.sqlCommand"],
    );
    assert.match(without[0], /add -b/);
    assert.deepStrictEqual(problems({ modules: db, database: { ...database, sqlCommand: "sqlcmd -b -S localhost -d Altazion -i" } }), []);
    assert.deepStrictEqual(
      problems({ modules: db, database: { ...database, sqlCommand: "C:\\Tools\\sqlcmd.exe -S . -i" } }).map((l) => l.split(":")[0]),
      ["options.database.sqlCommand"],
    );
  });

  it("a customised database needs the site's scripts folder, with {version}", () => {
    const problems = (raw: Record<string, unknown>) => checkAltazionOptions({ ...raw, ...FILES }, "linux").problems.map((p) => `${p.path}: ${p.message}`);
    const db = [{ name: "database", target: "latest", folder: "/srv/altazion/database" }];
    const got = problems({ modules: db, database: { sqlCommand: "altazion-sql", backupCommand: "b", scriptsFolder: "/srv/sql" } });
    assert.deepStrictEqual(
      got.map((l) => l.split(":")[0]),
      ["options.database.scriptsFolder"],
    );
    assert.match(got[0], /must contain \{version\}/);
    assert.match(problems({ modules: db, database: { sqlCommand: "altazion-sql", backupCommand: "b" } })[0], /^options\.database\.scriptsFolder: is required/);
  });
});

describe("altazion options: the site's description of status.xml and applicationspath.config", () => {
  it("names that are not XML names (a space, a quote, a shell's $, empty, a leading digit) are refused, each under its field; an unknown key names the legal ones", () => {
    const got = checkAltazionOptions(
      {
        modules,
        portal: PORTAL,
        statusFile: { element: "mod ule", moduleAttribute: "name'; rm -rf /", versionAttribute: "" },
        applicationsFile: { element: "application", moduleAttribute: "$(id)", pathAttribute: "1path", path: "x" },
      },
      "linux",
    ).problems.map((p) => `${p.path}: ${p.message}`);
    const at = (field: string) => got.filter((l) => l.startsWith(`${field}:`));
    for (const field of [
      "options.statusFile.element",
      "options.statusFile.moduleAttribute",
      "options.statusFile.versionAttribute",
      "options.applicationsFile.moduleAttribute",
      "options.applicationsFile.pathAttribute",
    ]) {
      assert.match(
        at(field)[0] ?? "",
        /is not an XML name as the file writes it: a letter or _, then letters, digits, _ - \. or :/,
        `${field} in ${got.join("\n")}`,
      );
    }
    assert.strictEqual(at("options.applicationsFile.path").length, 1, got.join("\n"));
    assert.ok(!got.some((l) => /^options\.(statusFile|applicationsFile): missing/.test(l)), "a description given (even wrong) is not called missing");
  });

  it("one line of stack per shape: names with a prefix, dots and dashes are taken as written", () => {
    const ok = checkAltazionOptions(
      {
        modules,
        portal: PORTAL,
        statusFile: { element: "cp:module-status", moduleAttribute: "module.name", versionAttribute: "_last" },
        applicationsFile: FILES.applicationsFile,
      },
      "linux",
    );
    assert.deepStrictEqual(ok.problems, []);
    assert.deepStrictEqual(ok.options!.statusFile, { element: "cp:module-status", moduleAttribute: "module.name", versionAttribute: "_last" });
  });
});
