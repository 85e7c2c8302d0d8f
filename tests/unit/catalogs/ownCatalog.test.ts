// A product of the user's own, loaded from their program's directory by the provider process.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findCatalog } from "../../../providers/catalogs";
import { loadCatalogModule } from "../../../providers/catalogs/own";
import { projectDir } from "../../../providers/projectDir";
import { checkNow } from "../../../providers/server/impl";

const counterCatalog = path.resolve(__dirname, "../../support/counterCatalog.js");

describe("a catalog module of the user's own program", () => {
  const program = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-own-catalog-"));
  before(() => {
    fs.mkdirSync(path.join(program, "catalogs"));
    // the module re-exports a catalog the way a user's compiled catalog would export its own
    fs.writeFileSync(path.join(program, "catalogs/counter.js"), `exports.catalog = require(${JSON.stringify(counterCatalog)}).counter;\n`);
    fs.writeFileSync(path.join(program, "catalogs/broken.js"), `exports.catalog = { product: "broken", scheme: {}, platforms: ["solaris"] };\n`);
    fs.writeFileSync(path.join(program, "catalogs/throws.js"), `throw new Error("syntax of our own");\n`);
  });
  after(() => fs.rmSync(program, { recursive: true, force: true }));

  it("a path relative to the project folder loads and registers the catalog", () => {
    assert.strictEqual(loadCatalogModule("./catalogs/counter", "counter", program), undefined);
    assert.strictEqual(findCatalog("counter")?.title, "Counter");
  });

  it("the project folder is the nearest one up with Pulumi.yaml (Pulumi starts the provider in the main file's folder)", () => {
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: mine\nruntime: nodejs\nmain: dist/stacks/index.js\n");
    fs.mkdirSync(path.join(program, "dist/stacks"), { recursive: true });
    try {
      assert.strictEqual(projectDir(path.join(program, "dist/stacks")), program);
      assert.strictEqual(loadCatalogModule("./catalogs/counter", "counter", projectDir(path.join(program, "dist/stacks"))), undefined);
    } finally {
      fs.rmSync(path.join(program, "Pulumi.yaml"));
    }
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-no-project-"));
    assert.strictEqual(projectDir(bare), bare, "without a Pulumi.yaml above, the folder itself");
    fs.rmSync(bare, { recursive: true });
  });

  it("an absolute path is refused: it would tie the state to one directory", () => {
    assert.match(loadCatalogModule(path.join(program, "catalogs/counter.js"), "counter", program)!, /absolute path, which ties the state to this directory: give a JavaScript module of your Pulumi program, relative to its project folder/);
  });

  it("a module that is not there names the project folder and the rule", () => {
    assert.match(loadCatalogModule("./catalogs/nothere", "nothere", program)!, new RegExp(`not found from the project folder ${program.replace(/[.]/g, "\\.")}`));
  });

  it("a module that throws is reported with its first line, not thrown", () => {
    assert.match(loadCatalogModule("./catalogs/throws", "thrower", program)!, /could not be loaded: syntax of our own/);
  });

  it("an export that is not a catalog lists every missing part at once", () => {
    const problem = loadCatalogModule("./catalogs/broken", "broken", program)!;
    for (const part of ["catalog.title", "catalog.legalHops", "catalog.hopSteps", "catalog.restoreSteps", "catalog.scheme.normalize", "catalog.platforms", "catalog.defaultReleases"]) {
      assert.ok(problem.includes(part), `names ${part}: ${problem}`);
    }
    assert.strictEqual(findCatalog("broken"), undefined, "nothing was registered");
    assert.ok(!problem.includes("catalog.probeVersion"), `a catalog without a version probe is a catalog (the site's versionCommand or current says the version): ${problem}`);
  });

  it("a module whose catalog is for another product is refused", () => {
    assert.match(loadCatalogModule("./catalogs/counter", "banner", program)!, /its catalog is for product "counter", not "banner"/);
  });

  it("one of upchain's own products cannot be replaced", () => {
    assert.match(loadCatalogModule("./catalogs/counter", "omflow", program)!, /omflow is one of upchain's own products/);
  });

  it("preview names catalogModule with the problem, before any connection", async () => {
    const cwd = process.cwd();
    process.chdir(program);
    try {
      const r = await checkNow(undefined, { product: "banner", catalogModule: "./catalogs/nothere", target: "2", connection: { host: "192.0.2.1", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" } });
      const fields = (r.failures ?? []).map((f) => f.property);
      assert.ok(fields.includes("catalogModule"), JSON.stringify(r.failures));
      assert.ok(fields.includes("product"), "and the product it could not find");
    } finally {
      process.chdir(cwd);
    }
  });
});
