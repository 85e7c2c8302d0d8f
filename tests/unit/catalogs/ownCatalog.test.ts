// A product of the user's own, loaded from their program's directory by the provider process.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findCatalog, getCatalog } from "../../../providers/catalogs";
import { planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
import { loadCatalogModule } from "../../../providers/catalogs/own";
import { guardedCatalog } from "../../../providers/catalogs/ownGuard";
import { counter } from "../../support/counterCatalog";
import { projectDir } from "../../../providers/projectDir";
import { checkNow } from "../../../providers/server/preview";

const counterCatalog = path.resolve(__dirname, "../../support/counterCatalog.js");

describe("a catalog module of the user's own program", () => {
  const program = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-own-catalog-"));
  before(() => {
    fs.mkdirSync(path.join(program, "catalogs"));
    // the module re-exports a catalog the way a user's compiled catalog would export its own
    fs.writeFileSync(path.join(program, "catalogs/counter.js"), `exports.catalog = require(${JSON.stringify(counterCatalog)}).counter;\n`);
    fs.writeFileSync(path.join(program, "catalogs/broken.js"), `exports.catalog = { product: "broken", scheme: {}, platforms: ["solaris"] };\n`);
    fs.writeFileSync(path.join(program, "catalogs/throws.js"), `throw new Error("syntax of our own");\n`);
    // the counter's catalog under another product name, with `change` applied to it (issue 19's catalogModule findings)
    const variant = (name: string, product: string, change: string) =>
      fs.writeFileSync(
        path.join(program, `catalogs/${name}.js`),
        `const c = { ...require(${JSON.stringify(counterCatalog)}).counter, product: ${JSON.stringify(product)} };\n${change}\nexports.catalog = c;\n`,
      );
    variant(
      "tostring",
      "tostring",
      `const shown = c.hopSteps; c.hopSteps = (h, ctx) => shown(h, ctx).map((s) => ({ ...s, commands: [{ toString: () => "rm -rf /srv" }] }));`,
    );
    variant(
      "stringobject",
      "stringobject",
      `const shown = c.hopSteps; c.hopSteps = (h, ctx) => shown(h, ctx).map((s) => ({ ...s, commands: [new String("true")] }));`,
    );
    variant("endless", "endless", `c.legalHops = (from) => [{ from, to: String(Number(from) + 1), rule: { id: "r", text: "r", source: "s" } }];`);
    variant("loops", "loops", `for (;;);`);
    variant("twin1", "twin", "");
    variant("twin2", "twin", "");
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
    assert.match(
      loadCatalogModule(path.join(program, "catalogs/counter.js"), "counter", program)!,
      /absolute path, which ties the state to this directory: give a JavaScript module of your Pulumi program, relative to its project folder/,
    );
  });

  it("a module that is not there names the project folder and the rule", () => {
    assert.match(
      loadCatalogModule("./catalogs/nothere", "nothere", program)!,
      new RegExp(`not found from the project folder ${program.replace(/[.]/g, "\\.")}`),
    );
  });

  it("a module that throws is reported with its first line, not thrown", () => {
    assert.match(loadCatalogModule("./catalogs/throws", "thrower", program)!, /could not be loaded: syntax of our own/);
  });

  it("an export that is not a catalog lists every missing part at once", () => {
    const problem = loadCatalogModule("./catalogs/broken", "broken", program)!;
    for (const part of [
      "catalog.title",
      "catalog.legalHops",
      "catalog.hopSteps",
      "catalog.restoreSteps",
      "catalog.scheme.normalize",
      "catalog.platforms",
      "catalog.defaultReleases",
    ]) {
      assert.ok(problem.includes(part), `names ${part}: ${problem}`);
    }
    assert.strictEqual(findCatalog("broken"), undefined, "nothing was registered");
    assert.ok(
      !problem.includes("catalog.probeVersion"),
      `a catalog without a version probe is a catalog (the site's versionCommand or current says the version): ${problem}`,
    );
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
      const r = await checkNow(undefined, {
        product: "banner",
        catalogModule: "./catalogs/nothere",
        target: "2",
        connection: { host: "192.0.2.1", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" },
      });
      const fields = (r.failures ?? []).map((f) => f.property);
      assert.ok(fields.includes("catalogModule"), JSON.stringify(r.failures));
      assert.ok(fields.includes("product"), "and the product it could not find");
    } finally {
      process.chdir(cwd);
    }
  });

  describe("what a catalog of one's own returns is plain data, and its loading and planning are bounded (issue 19)", function () {
    this.timeout(30_000);
    const plan =
      (product: string, target = "3") =>
      () =>
        planUpgrade(getCatalog(product), { installed: "1", target, platform: "linux" });

    it("a command that is an object with its own toString() is refused when the plan is made, naming where it is", () => {
      assert.strictEqual(loadCatalogModule("./catalogs/tostring", "tostring", program), undefined);
      assert.throws(
        plan("tostring"),
        (e: unknown) =>
          isUpchainError(e, "INVALID_INPUT") &&
          e.path[0] === "catalogModule" &&
          /hopSteps\(\)\[0\]\.commands\[0\]\.toString is a function, not data\. A catalog gives commands as strings/.test(e.message),
      );
    });

    it("a String object is not a string either", () => {
      assert.strictEqual(loadCatalogModule("./catalogs/stringobject", "stringobject", program), undefined);
      assert.throws(
        plan("stringobject"),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /hopSteps\(\)\[0\]\.commands\[0\] is a String object, not a plain object/.test(e.message),
      );
    });

    it("a version probe whose command is an object is refused before it runs", () => {
      // guarded directly, not registered: a broken catalog left in the registry would meet other tests
      const c = guardedCatalog({
        ...counter,
        product: "probeobject",
        probeVersion: () => ({ shell: "sh", command: { toString: () => "reboot" } as unknown as string }),
      });
      assert.throws(
        () => c.probeVersion!({ platform: "linux", releases: [], options: {} }),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /probeVersion\(\)\.command is an object, not a string/.test(e.message),
      );
    });

    it("an update offer's command and a file set's folder and product check that are objects are refused before they run", () => {
      const evil = { toString: () => "reboot" } as unknown as string;
      const ctx = { platform: "linux" as const, releases: [], options: {} };
      const c = guardedCatalog({
        ...counter,
        product: "offerobject",
        offers: () => ({ shell: "sh", command: evil, read: () => ({ problem: "unused" }) }),
        fileSets: {
          hooks: {
            title: "hooks",
            folder: () => evil,
            owns: /x/,
            nameProblem: () => undefined,
            productCheck: () => ({ shell: "sh", command: "true", problem: evil }),
          },
        },
      });
      assert.throws(
        () => c.offers!(ctx),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /offers\(\)\.command is an object, not a string/.test(e.message),
      );
      assert.throws(
        () => c.fileSets!.hooks.folder(ctx),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /fileSets\.hooks\.folder\(\) is an object, not a string/.test(e.message),
      );
      assert.throws(
        () => c.fileSets!.hooks.productCheck!(ctx),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /fileSets\.hooks\.productCheck\(\)\.problem is an object, not a string/.test(e.message),
      );
    });

    it("the plan of a well-behaved module is made of plain data: its JSON is the very steps that run", () => {
      assert.strictEqual(loadCatalogModule("./catalogs/counter", "counter", program), undefined);
      const p = plan("counter")();
      assert.deepStrictEqual(JSON.parse(JSON.stringify(p.steps)), p.steps);
    });

    it("a legalHops that never ends is stopped by planning's bound, naming releases", () => {
      assert.strictEqual(loadCatalogModule("./catalogs/endless", "endless", program), undefined);
      const started = Date.now();
      assert.throws(
        plan("endless", "100000000"),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && e.path[0] === "releases" && /was stopped/.test(e.message),
      );
      assert.ok(Date.now() - started < 15_000);
    });

    it("a module that loops when it loads is refused after the time limit, and nothing of it is registered", () => {
      const started = Date.now();
      const problem = loadCatalogModule("./catalogs/loops", "loops", program, { loadSeconds: 1, callSeconds: 1 });
      assert.match(problem ?? "", /"\.\/catalogs\/loops" did not finish loading within 1 s/);
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      assert.strictEqual(findCatalog("loops"), undefined);
    });

    it("a second module giving the same product is refused, naming both: the first stays", () => {
      assert.strictEqual(loadCatalogModule("./catalogs/twin1", "twin", program), undefined);
      const problem = loadCatalogModule("./catalogs/twin2", "twin", program);
      assert.match(
        problem ?? "",
        /"\.\/catalogs\/twin2" \(.*twin2\.js\) gives product twin, which the catalog module .*twin1\.js already gives: two modules cannot be one product/,
      );
      assert.strictEqual(loadCatalogModule("./catalogs/twin1", "twin", program), undefined, "the first is still the one");
    });
  });
});
