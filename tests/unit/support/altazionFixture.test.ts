// The Altazion fake's description without a test host: its README quotes document 003 verbatim,
// and ALTAZION_SITE's versionCommand reads a fake layout correctly from any data folder.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALTAZION_SITE, FILE_SHAPES, altazionSite, versionCommand } from "../../support/altazionFixture";
import { checkAltazionOptions } from "../../../providers/catalogs/altazion/options";
import { repoRoot } from "../../support/pulumi";

/** Document 003, beside the repository (../shared/seeds) or where UPCHAIN_SEEDS says, as provenance.test.ts finds it. */
const SEED = path.join(process.env.UPCHAIN_SEEDS ?? path.resolve(repoRoot, "../shared/seeds"), "003_9c23841344441436.txt");
const normalise = (s: string) => s.replace(/\s+/g, " ").trim();

describe("the Altazion fake's README and site description", () => {
  it("every quote in the README's table of document behaviours is verbatim from 003", () => {
    assert.ok(fs.existsSync(SEED), `the vendor document ${SEED} is not there: set UPCHAIN_SEEDS to the folder that holds the seed documents`);
    const seed = normalise(fs.readFileSync(SEED, "utf8"));
    const readme = fs.readFileSync(path.join(repoRoot, "tests/fixtures/altazion/README.md"), "utf8");
    const table = readme.slice(readme.indexOf("## Behaviours and the document lines behind them"), readme.indexOf("## What the fake invents"));
    const quotes = [...table.matchAll(/« ([^»]*) »/g)].flatMap((m) => m[1].split(/ \[\.\.\.\] | — | \/ /));
    assert.ok(quotes.length > 30, `${quotes.length} quotes found`);
    const missing = quotes.filter((q) => !seed.includes(normalise(q)));
    assert.deepStrictEqual(missing, []);
  });

  it("the portal patterns name the module and compile once it is put in", () => {
    for (const p of [ALTAZION_SITE.portal.listedPattern, ALTAZION_SITE.portal.installingPattern]) {
      assert.match(p, /\{module\}/);
      assert.ok(new RegExp(p.replace("{module}", "ecommerce")).test(p.replace("{module}", "ecommerce")));
    }
    assert.notStrictEqual(ALTAZION_SITE.portal.listedPattern, ALTAZION_SITE.portal.installingPattern);
  });

  it("the site's descriptions of the fake's two file shapes are valid stack options, and differ in every name", () => {
    for (const shape of ["lowercase", "pascal"] as const) {
      const site = altazionSite(undefined, shape);
      const c = checkAltazionOptions(
        {
          modules: [{ name: "integration", target: "latest", folder: "/srv/altazion/integration" }],
          portal: site.portal,
          statusFile: site.statusFile,
          applicationsFile: site.applicationsFile,
        },
        "linux",
      );
      assert.deepStrictEqual(c.problems, [], shape);
    }
    assert.deepStrictEqual(ALTAZION_SITE.statusFile, FILE_SHAPES.lowercase.statusFile);
    for (const file of ["statusFile", "applicationsFile"] as const) {
      const [a, b] = [FILE_SHAPES.lowercase[file], FILE_SHAPES.pascal[file]] as unknown as Record<string, string>[];
      for (const k of Object.keys(a)) assert.notStrictEqual(a[k], b[k], `${file}.${k}`);
    }
  });

  describe("versionCommand on a fake layout", () => {
    let dir: string;
    let data: string;
    const write = (f: string, text: string) => {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, text);
    };
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "az version 'x' "));
      data = path.join(dir, "CPoint/[e]");
      write(path.join(dir, "e/bin/config/applicationspath.config"), "a decoy the unquoted glob [e] would name\n");
      write(
        path.join(data, "bin/config/applicationspath.config"),
        [
          '<?xml version="1.0" encoding="utf-8"?>',
          "<applications>",
          `  <application name="integration" path="${dir}/mods/integration/"/>`,
          `  <application name="database" path="${dir}/mods/data base/"/>`,
          `  <application name="ecommerce" path="${dir}/mods/e commerce/"/>`,
          "</applications>",
          "",
        ].join("\n"),
      );
      write(path.join(dir, "mods/integration/bin/Altazion.integration.dll"), "Altazion.integration.dll FileVersion 5.1.0.0\n");
      write(path.join(dir, "mods/e commerce/bin/Altazion.ecommerce.dll"), "Altazion.ecommerce.dll FileVersion 5.2.0.0\n");
      write(path.join(dir, "mods/data base/schema_version.txt"), "5.1.0.0\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("prints the declared modules' versions in name order", () => {
      assert.strictEqual(execFileSync("sh", ["-c", versionCommand(data)], { encoding: "utf8" }), "database=5.1.0.0,ecommerce=5.2.0.0,integration=5.1.0.0\n");
    });

    it("fails, naming the module, when a declared module's version cannot be read", () => {
      fs.rmSync(path.join(dir, "mods/e commerce/bin"), { recursive: true });
      const r = spawnSync("sh", ["-c", versionCommand(data)], { encoding: "utf8" });
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /no installed version for ecommerce/);
    });

    it("fails when the data folder has no applicationspath.config", () => {
      const r = spawnSync("sh", ["-c", versionCommand(path.join(dir, "nowhere"))], { encoding: "utf8" });
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /cannot read/);
    });

    it("in the pascal shape (the fake's other one), the pascal site's command reads it and the lowercase site's reads no node", () => {
      const file = path.join(data, "bin/config/applicationspath.config");
      const pascal = fs
        .readFileSync(file, "utf8")
        .replace("<applications>", "<Applications>")
        .replace("</applications>", "</Applications>")
        .replace(/<application name="([^"]*)" path="([^"]*)"\/>/g, '<Application Path="$2" Name="$1"/>');
      fs.writeFileSync(file, pascal);
      assert.strictEqual(
        execFileSync("sh", ["-c", versionCommand(data, "pascal")], { encoding: "utf8" }),
        "database=5.1.0.0,ecommerce=5.2.0.0,integration=5.1.0.0\n",
      );
      assert.strictEqual(execFileSync("sh", ["-c", versionCommand(data)], { encoding: "utf8" }), "\n");
    });

    it("leaves no variable behind in the calling shell", () => {
      const out = execFileSync("sh", ["-c", `az_out=mine; ${versionCommand(data)} >/dev/null; echo "$az_out"`], { encoding: "utf8" });
      assert.strictEqual(out, "mine\n");
    });
  });
});
