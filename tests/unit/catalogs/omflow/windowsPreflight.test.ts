// What preview asks of a Windows site before an OMFLOW hop: the answers document 001 leaves open,
// every missing one at once, each naming the field as the user writes it and what to give.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { tempDir } from "../../../support/localHost";

describe("OMFLOW on Windows: preview asks the site what the document leaves open", () => {
  let dir: string;
  let patches: Record<string, string>;
  let installer: string;
  beforeEach(() => {
    dir = tempDir("upchain-omflow-winpreflight-");
    patches = { "1.2.0.1": path.join(dir, "OMFLOW_1.2.0.1.exe"), "1.1.6.3": path.join(dir, "OMFLOW_1.1.6.3.exe") };
    for (const f of Object.values(patches)) fs.writeFileSync(f, "x");
    installer = path.join(dir, "python-3.11.9.exe");
    fs.writeFileSync(installer, "x");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const problems = (to: string, options: Record<string, unknown>) => {
    const ctx = { platform: "windows" as const, releases: omflow.defaultReleases, options };
    return omflow.preflight!(planUpgrade(omflow, { installed: "1.1.6.1", target: to, platform: "windows", options }).hops, ctx);
  };
  const site = {
    windowsServiceName: "OMFLOW Server",
    updaterArguments: ["<the vendor's unattended switch>"],
    acceptTermsOfUse: true,
    databaseBackup: "pg_dump -f omflow.sql omflow",
    databaseRestore: "psql -f omflow.sql omflow",
  };

  it("without the site's answers every missing one is named at once, the interactive steps and the terms of use among them", () => {
    const found = problems("1.2.0.1", { patches });
    assert.deepStrictEqual(
      found.map((p) => p.path),
      [
        "options.windowsServiceName",
        "options.updaterArguments",
        "options.acceptTermsOfUse",
        "options.databaseBackup",
        "options.databaseRestore",
        "options.additionalPythonPackages",
      ],
    );
    assert.match(found[0].message, /names no Windows service/);
    assert.match(found[1].message, /interactive \(001 Windows steps 3-6: choose the language, "I agree" to the terms of use, "Update", "Finish"\)/);
    assert.match(found[2].message, /set options\.acceptTermsOfUse: true/);
  });
  it("terms of use set to false are refused like missing ones", () => {
    assert.deepStrictEqual(
      problems("1.1.6.3", { patches, ...site, acceptTermsOfUse: false }).map((p) => p.path),
      ["options.acceptTermsOfUse"],
    );
  });
  it("a hop that does not cross 1.2.0.0 asks nothing about Python", () => {
    assert.deepStrictEqual(problems("1.1.6.3", { patches, ...site }), []);
  });
  it("a site that added no Python packages says so with [] and needs no Python installer", () => {
    assert.deepStrictEqual(problems("1.2.0.1", { patches, ...site, additionalPythonPackages: [] }), []);
  });
  it("a site that added Python packages gives the Python 3.11 installer, which must exist on this machine", () => {
    const found = problems("1.2.0.1", { patches, ...site, additionalPythonPackages: ["pymssql==2.2.8"] });
    assert.deepStrictEqual(
      found.map((p) => p.path),
      ["options.python311Installer"],
    );
    assert.match(found[0].message, /Download Python 3\.11 \(32 Bit\) Windows Installer and run it\./);
    assert.deepStrictEqual(problems("1.2.0.1", { patches, ...site, additionalPythonPackages: ["pymssql==2.2.8"], python311Installer: installer }), []);
    assert.deepStrictEqual(
      problems("1.2.0.1", { patches, ...site, additionalPythonPackages: ["x"], python311Installer: path.join(dir, "nope.exe") }).map((p) => p.path),
      ["options.python311Installer"],
    );
  });
  it("Windows asks for no offline bundle: the document's Windows notes use the Python installer and pip", () => {
    assert.ok(!problems("1.2.0.1", { patches, ...site, additionalPythonPackages: [] }).some((p) => p.path === "options.offlineBundle"));
  });
});
