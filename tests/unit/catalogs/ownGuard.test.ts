// A catalog of one's own is taken as plain data: its cluster section too (issue 19's catalogModule
// finding: an object with its own toString() shows as one thing and is joined into a command as another).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findCatalog } from "../../../providers/catalogs";
import { loadCatalogModule } from "../../../providers/catalogs/own";
import { guardedCatalog } from "../../../providers/catalogs/ownGuard";
import type { Catalog } from "../../../providers/engine/planning/catalog";
import { isUpchainError } from "../../../providers/errors";
import { counter } from "../../support/counterCatalog";

const rule = { id: "c.rolling", text: "one member at a time", source: "our runbook" };
const cluster = (change: Partial<NonNullable<Catalog["cluster"]>>): Catalog => ({
  ...counter,
  product: "clustered",
  cluster: { policy: () => ({ traffic: "web", oldReleaseOnly: [] }), oldReleaseStoppedAfter: "install", rule, memberOptions: {}, ...change },
});
const evil = { toString: () => "web; reboot" } as unknown as string;
const refusedAt = (where: RegExp) => (e: unknown) =>
  isUpchainError(e, "INVALID_INPUT") && e.path[0] === "catalogModule" && where.test(e.message) && /fix the module/.test(e.message);

describe("a catalog of one's own: its cluster section is plain data, checked", () => {
  it("a policy whose pool name is an object with its own toString() is refused when it is asked, naming where", () => {
    const c = guardedCatalog(cluster({ policy: () => ({ traffic: evil, oldReleaseOnly: [] }) }));
    assert.throws(() => c.cluster!.policy("1"), refusedAt(/cluster\.policy\(\)\.traffic\.toString is a function, not data/));
  });

  it("a policy whose old-release pools are not names is refused, naming the field", () => {
    const c = guardedCatalog(cluster({ policy: () => ({ traffic: "web", oldReleaseOnly: [7] as unknown as string[] }) }));
    assert.throws(() => c.cluster!.policy(undefined), refusedAt(/cluster\.policy\(\)\.oldReleaseOnly is not a list of pool names/));
  });

  it("a well-behaved cluster answers plain copies: a change the module makes later is not seen", () => {
    const pools = { traffic: "web", oldReleaseOnly: ["inval"] };
    const memberOptions = { port: 8080 };
    const c = guardedCatalog(cluster({ policy: () => pools, memberOptions }));
    const got = c.cluster!.policy("1");
    assert.deepStrictEqual(got, pools);
    pools.traffic = "elsewhere";
    memberOptions.port = 1;
    assert.strictEqual(got.traffic, "web");
    assert.deepStrictEqual(c.cluster!.memberOptions, { port: 8080 });
    assert.deepStrictEqual(c.cluster!.rule, rule);
    assert.strictEqual(c.cluster!.oldReleaseStoppedAfter, "install");
  });

  it("a rule, member options or step id that is not plain data is refused when the catalog is taken, naming where", () => {
    assert.throws(() => guardedCatalog(cluster({ rule: { ...rule, id: evil } })), refusedAt(/cluster\.rule\.id\.toString is a function, not data/));
    assert.throws(
      () => guardedCatalog(cluster({ memberOptions: { at: new Date(0) } })),
      refusedAt(/cluster\.memberOptions\.at is a Date object, not a plain object/),
    );
    assert.throws(() => guardedCatalog(cluster({ oldReleaseStoppedAfter: evil })), refusedAt(/cluster\.oldReleaseStoppedAfter\.toString is a function/));
  });

  it("a module whose cluster rule is an object with its own toString() is refused at load under catalogModule, and nothing is registered", () => {
    const program = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-own-guard-"));
    try {
      fs.mkdirSync(path.join(program, "catalogs"));
      const counterCatalog = path.resolve(__dirname, "../../support/counterCatalog.js");
      fs.writeFileSync(
        path.join(program, "catalogs/clusterrule.js"),
        `exports.catalog = { ...require(${JSON.stringify(counterCatalog)}).counter, product: "clusterrule",
  cluster: { policy: () => ({ traffic: "web", oldReleaseOnly: [] }), oldReleaseStoppedAfter: "install", memberOptions: {},
    rule: { id: "r", text: { toString: () => "one at a time" }, source: "s" } } };\n`,
      );
      const problem = loadCatalogModule("./catalogs/clusterrule", "clusterrule", program);
      assert.match(
        problem ?? "",
        /^"\.\/catalogs\/clusterrule": the catalog of clusterrule returned from cluster\.rule something that is not plain data: cluster\.rule\.text\.toString is a function, not data/,
      );
      assert.strictEqual(findCatalog("clusterrule"), undefined);
    } finally {
      fs.rmSync(program, { recursive: true, force: true });
    }
  });
});

describe("a catalog of one's own: its version scheme's answers are checked and taken once", () => {
  it("a version that is an object with its own toString() is refused naming scheme.normalize()", () => {
    const c = guardedCatalog({ ...counter, product: "schemeobject", scheme: { ...counter.scheme, normalize: () => evil } });
    assert.throws(() => c.scheme.normalize("1"), refusedAt(/scheme\.normalize\(\) gave an object, not a version string/));
  });

  it("an order that is not a finite number is refused naming scheme.compare()", () => {
    const c = guardedCatalog({ ...counter, product: "schemenan", scheme: { ...counter.scheme, compare: () => NaN } });
    assert.throws(() => c.scheme.compare("1", "2"), refusedAt(/scheme\.compare\(\) gave NaN, not a finite number/));
  });

  it("each question is asked once: a scheme that would answer differently later is held to its first answer", () => {
    let asked = 0;
    const c = guardedCatalog({
      ...counter,
      product: "schemeonce",
      scheme: { ...counter.scheme, normalize: (t) => (++asked === 1 ? t.trim() : "9"), compare: (a, b) => (++asked, Number(a) - Number(b)) },
    });
    assert.strictEqual(c.scheme.normalize(" 2"), "2");
    assert.strictEqual(c.scheme.normalize(" 2"), "2");
    assert.strictEqual(c.scheme.compare("1", "2"), -1);
    assert.strictEqual(c.scheme.compare("1", "2"), -1);
    assert.strictEqual(asked, 2);
    assert.strictEqual(c.scheme.describe, counter.scheme.describe);
  });
});
