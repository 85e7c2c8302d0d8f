import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { planJson } from "../support/planJson";

const cli = path.resolve(__dirname, "../../providers/cli.js");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("upchain plan (command line)", () => {
  it("--json prints one object with the hops and each step's commands", () => {
    const r = run("plan", "omflow", "--from", "1.1.6.1", "--to", "1.2.0.1", "--json");
    assert.strictEqual(r.status, 0, r.stderr);
    const plan = planJson(r.stdout);
    assert.strictEqual(plan.product, "omflow");
    assert.strictEqual(plan.platform, "linux");
    assert.deepStrictEqual(
      plan.hops.map((h) => [h.from, h.to]),
      [
        ["1.1.6.1", "1.2.0.0"],
        ["1.2.0.0", "1.2.0.1"],
      ],
    );
    const patch = plan.steps.find((s) => s.hop === "1.1.6.1->1.2.0.0" && s.id === "run-patch");
    assert.ok(patch && patch.action && patch.title && patch.commands.length > 0);
  });
  it("prints the chain as text by default", () => {
    const r = run("plan", "omflow", "--from", "1.1.6.1", "--to", "1.1.6.3");
    assert.strictEqual(r.status, 0);
    assert.match(r.stdout, /hop 1: 1\.1\.6\.1 -> 1\.1\.6\.3\n  rule omflow\.same-feature/);
  });
  it("--releases limits the known releases", () => {
    const r = run("plan", "omflow", "--from", "1.1.6.1", "--to", "1.2.0.1", "--releases", "1.1.6.1,1.2.0.0,1.2.0.1", "--json");
    assert.strictEqual(planJson(r.stdout).hops.length, 2);
  });
  it("an illegal request exits non-zero with the reason on stderr", () => {
    const r = run("plan", "omflow", "--from", "1.2.0.1", "--to", "1.1.6.1");
    assert.strictEqual(r.status, 1);
    assert.strictEqual(r.stdout, "");
    assert.match(r.stderr, /DOWNGRADE: target: 1\.1\.6\.1 is older than the installed 1\.2\.0\.1/);
  });
  it("an unknown product names the known ones", () => {
    const r = run("plan", "oracle", "--from", "9.0.2", "--to", "10.1.2");
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /no catalog for "oracle" \(known: omflow, groupmax, oracle-as, altazion-office\)/);
  });
});

describe("upchain plan needs no host and no options (issue 17 point 2)", () => {
  // Altazion Office's plan needs its modules (options.modules), which the command line has no flag for
  const chains: [string, string, string][] = [
    ["omflow", "1.1.2.0", "1.2.1.0"],
    ["groupmax", "02-00", "06-00"],
    ["oracle-as", "9.0.2.0.0", "10.1.2"],
  ];
  for (const [product, from, to] of chains) {
    for (const platform of ["linux", "windows"]) {
      it(`${product} on ${platform}: ${from} to ${to} plans with no options and no version source`, () => {
        const r = run("plan", product, "--from", from, "--to", to, "--platform", platform, "--json");
        assert.strictEqual(r.status, 0, r.stderr);
        const plan = planJson(r.stdout);
        assert.ok(plan.hops.length > 0 && plan.steps.length > 0);
        assert.ok(!plan.steps.some((st: { id: string }) => st.id === "verify-version"), "no versionCommand, no check of it");
      });
    }
  }
});

describe("upchain plan oracle-as --cluster (the issue's contract)", () => {
  it("prints hops, steps and the rollout in run order", () => {
    const r = run("plan", "oracle-as", "--from", "9.0.2.3", "--to", "10.1.2", "--cluster", "a,b,c,d", "--json");
    assert.strictEqual(r.status, 0, r.stderr);
    const plan = planJson(r.stdout);
    assert.deepStrictEqual(
      plan.hops.map((h) => [h.from, h.to]),
      [["9.0.2.3", "10.1.2"]],
    );
    assert.ok(
      plan.steps.some((s) => s.id === "web-cache-propagate"),
      "a member propagates the Web Cache configuration",
    );
    const doc = plan.rollout.filter((e) => ["invalidation-remove", "upgrade", "invalidation-add"].includes(e.action)).map((e) => `${e.member}:${e.action}`);
    assert.deepStrictEqual(doc, [
      "a:invalidation-remove",
      "a:upgrade",
      "b:invalidation-remove",
      "b:upgrade",
      "c:invalidation-remove",
      "c:upgrade",
      "d:upgrade",
      "a:invalidation-add",
      "b:invalidation-add",
      "c:invalidation-add",
    ]);
  });
  it("an illegal request exits non-zero with the reason on stderr", () => {
    const r = run("plan", "oracle-as", "--from", "9.0.1", "--to", "10.1.2", "--cluster", "a,b", "--json");
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /NO_LEGAL_PATH/);
  });
});

describe("upchain plan oracle-as --cluster from each documented source", () => {
  for (const from of ["9.0.2.0", "9.0.2.3", "9.0.3", "9.0.4"]) {
    it(`${from}: stop by stop (every member's patch set first from 9.0.2.0); the invalidation pool's order for a 9.0.2 source only`, () => {
      const r = run("plan", "oracle-as", "--from", from, "--to", "10.1.2", "--cluster", "a,b,c,d,e", "--json");
      assert.strictEqual(r.status, 0, r.stderr);
      const plan = planJson(r.stdout);
      assert.strictEqual(plan.hops.length, from === "9.0.2.0" ? 2 : 1);
      const doc = plan.rollout.filter((e) => e.action !== "traffic-drain" && e.action !== "traffic-ready").map((e) => `${e.member}:${e.action}`);
      // 004's invalidation rule is about 9.0.2 caches: 9.0.3 and 9.0.4 clusters are drained from traffic only
      const upgrade = from === "9.0.2.0" ? "upgrade to 10.1.2" : "upgrade";
      // from 9.0.2.0 every member takes its patch set first, alone out of the pools while stopped
      const patchSets =
        from === "9.0.2.0" ? ["a", "b", "c", "d", "e"].flatMap((m) => [`${m}:invalidation-remove`, `${m}:upgrade to 9.0.2.3`, `${m}:invalidation-add`]) : [];
      assert.deepStrictEqual(
        doc,
        from.startsWith("9.0.2.")
          ? [
              ...patchSets,
              "a:invalidation-remove",
              `a:${upgrade}`,
              "b:invalidation-remove",
              `b:${upgrade}`,
              "c:invalidation-remove",
              `c:${upgrade}`,
              "d:invalidation-remove",
              `d:${upgrade}`,
              `e:${upgrade}`,
              "a:invalidation-add",
              "b:invalidation-add",
              "c:invalidation-add",
              "d:invalidation-add",
            ]
          : ["a:upgrade", "b:upgrade", "c:upgrade", "d:upgrade", "e:upgrade"],
      );
      assert.strictEqual(
        plan.steps.some((s) => s.id === "stop-em-web-site"),
        from !== "9.0.4",
      );
    });
  }
});

describe("upchain --help", () => {
  it("lists every command, each with an example, on stdout, exiting 0", () => {
    const r = run("--help");
    assert.strictEqual(r.status, 0);
    for (const command of ["plan", "bundle", "report"]) {
      assert.match(r.stdout, new RegExp(`^  upchain ${command} `, "m"), `lists ${command}`);
      assert.match(r.stdout, new RegExp(`^      example: upchain ${command} `, "m"), `with an example of ${command}`);
    }
    assert.strictEqual(run("help").stdout, r.stdout, "upchain help says the same");
  });

  it("every plan example of the help runs as written", () => {
    const examples = run("--help")
      .stdout.split("\n")
      .filter((l) => l.trim().startsWith("example: upchain plan "));
    assert.ok(examples.length >= 2);
    for (const e of examples) {
      const r = run(
        ...e
          .trim()
          .replace(/^example: upchain /, "")
          .split(/\s+/),
      );
      assert.strictEqual(r.status, 0, `${e}: ${r.stderr}`);
      assert.ok(r.stdout.length > 0);
    }
  }).timeout(20_000); // one process per example (altazion-office's among them), each ~0.5 s on a loaded machine

  it("a wrong command prints the help on stderr and exits 2", () => {
    const r = run("upgrade", "omflow");
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /^commands:/m);
  });

  it("--catalog plans a product of one's own from its module, relative to the current directory", () => {
    const counter = path.resolve(__dirname, "../support/counterCatalog.js");
    const dir = require("fs").mkdtempSync(path.join(require("os").tmpdir(), "upchain-cli-own-"));
    require("fs").writeFileSync(path.join(dir, "counter.js"), `exports.catalog = require(${JSON.stringify(counter)}).counter;\n`);
    const r = spawnSync(process.execPath, [cli, "plan", "counter", "--catalog", "./counter", "--from", "1", "--to", "3"], { encoding: "utf8", cwd: dir });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /hop 1: 1 -> 2[^]*hop 2: 2 -> 3/);
    const absolute = spawnSync(process.execPath, [cli, "plan", "counter", "--catalog", path.join(dir, "counter.js"), "--from", "1", "--to", "3"], {
      encoding: "utf8",
      cwd: dir,
    });
    assert.strictEqual(absolute.status, 1);
    assert.match(absolute.stderr, /--catalog: .* is an absolute path/);
  }).timeout(10_000); // two CLI processes, each starting the module's thread: some 1.3 s each on the shared 2-core machine
});
