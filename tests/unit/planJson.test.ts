// `upchain plan --json` for the cases the comparison with the vendor documents found wrong: the
// chain the rules require, the patch run as the document runs it, nothing read from a file no
// document names, and every step's provenance in the JSON. Run through the real command line.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const cli = path.resolve(__dirname, "../../providers/cli.js");

function planJson(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, "plan", ...args, "--json"], { encoding: "utf8" });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    hops: { from: string; to: string }[];
    steps: JsonStep[];
    onFailure: { hop: string; restore: JsonStep[]; recover: JsonStep[] }[];
  };
}

interface JsonStep {
  hop?: string;
  id: string;
  action: string;
  commands: string[];
  provenance?: { kind: string };
}

const chain = (p: ReturnType<typeof planJson>) => p.hops.map((h) => `${h.from}>${h.to}`);

describe("upchain plan --json: what the documents require", () => {
  const cases: { name: string; args: string[]; chain: string[] }[] = [
    {
      name: "a next-feature hop lands on the feature's x.y.z.0 even when the release list forgets it",
      args: ["omflow", "--from", "1.1.5.0", "--to", "1.1.6.3", "--releases", "1.1.5.0,1.1.6.1,1.1.6.3"],
      chain: ["1.1.5.0>1.1.6.0", "1.1.6.0>1.1.6.3"],
    },
    {
      name: "on Windows below 1.1.4.0 every release comes in order up to 1.1.4.0, which the document names, even when the list forgets it; from there one update file",
      args: ["omflow", "--platform", "windows", "--from", "1.1.2.0", "--to", "1.2.0.1", "--releases", "1.1.2.0,1.1.3.0,1.2.0.1"],
      chain: ["1.1.2.0>1.1.3.0", "1.1.3.0>1.1.4.0", "1.1.4.0>1.2.0.1"],
    },
    {
      name: "on Windows from 1.1.4.0 one update file goes straight to the target",
      args: ["omflow", "--platform", "windows", "--from", "1.1.4.0", "--to", "1.2.1.0"],
      chain: ["1.1.4.0>1.2.1.0"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepStrictEqual(chain(planJson(...c.args)), c.chain));
  }

  it("the Linux patch runs as the document says, ./patch.sh from its own folder, never through sh", () => {
    const p = planJson("omflow", "--from", "1.1.6.1", "--to", "1.1.6.3");
    const run = p.steps.find((s) => s.id === "run-patch")!;
    const text = run.commands.join("\n");
    assert.match(text, /\.\/patch\.sh/);
    assert.doesNotMatch(text, /\bsh \.\/patch\.sh/);
  });

  for (const [product, from, to] of [
    ["omflow", "1.1.2.0", "1.2.1.0"],
    ["groupmax", "02-00", "06-00"],
  ] as const) {
    for (const platform of ["linux", "windows"]) {
      it(`${product} on ${platform}: no step reads a VERSION file, and every step has its provenance, those run on failure too`, () => {
        const p = planJson(product, "--platform", platform, "--from", from, "--to", to);
        const failure = p.onFailure.flatMap((f) => [...f.restore, ...f.recover].map((s) => ({ ...s, hop: `${f.hop} on failure` })));
        assert.deepStrictEqual(
          p.onFailure.map((f) => f.hop),
          p.hops.map((h) => `${h.from}->${h.to}`),
        );
        assert.ok(
          failure.some((s) => s.action === "restore"),
          "each chain has restore steps to show",
        );
        const all = [...p.steps, ...failure];
        assert.deepStrictEqual(
          all.filter((s) => s.commands.some((c) => /[\\/]VERSION\b/.test(c))).map((s) => `${s.hop} ${s.id}`),
          [],
        );
        assert.deepStrictEqual(
          all.filter((s) => !["document", "site", "safety"].includes(s.provenance?.kind ?? "")).map((s) => `${s.hop} ${s.id}`),
          [],
        );
      });
    }
  }

  describe("altazion-office", () => {
    const from = "ecommerce=5.1.0.0,integration=5.1.0.0";
    const to = "ecommerce=5.2.0.0,integration=5.2.0.0";

    for (const platform of ["linux", "windows"]) {
      it(`runs without a stack on ${platform}: one hop per module, every step with its provenance, the site's answers as placeholders`, () => {
        const p = planJson("altazion-office", "--platform", platform, "--from", from, "--to", to);
        assert.deepStrictEqual(chain(p), [`${from}>ecommerce=5.2.0.0,integration=5.1.0.0`, `ecommerce=5.2.0.0,integration=5.1.0.0>${to}`]);
        const failure = p.onFailure.flatMap((f) => [...f.restore, ...f.recover]);
        assert.ok(
          failure.some((s) => s.action === "restore"),
          "the restore steps are shown",
        );
        const all = [...p.steps, ...failure];
        assert.deepStrictEqual(
          all.filter((s) => !["document", "site", "safety"].includes(s.provenance?.kind ?? "")).map((s) => `${s.hop} ${s.id}`),
          [],
        );
        const install = p.steps.find((s) => s.id === "install") as unknown as { done: { absent: string }; busy: { present: string } };
        assert.strictEqual(install.done.absent, "<site: options.portal.listedPattern>");
        assert.match(install.busy.present, /<site: options.portal.installingPattern>/);
      });
    }

    it("with --options, plans with the site's portal and folders, and reads no installed version from status.xml", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-plan-"));
      try {
        const file = path.join(dir, "options.json");
        const portal = {
          listedPattern: 'data-module="{module}"',
          installingPattern: "en cours: {module}",
          install: { method: "POST", path: "/Install", fields: { module: "{module}" }, tokensFromPage: ["token"] },
        };
        fs.writeFileSync(
          file,
          JSON.stringify({
            portal,
            modules: [
              { name: "ecommerce", target: "latest", folder: "/srv/ec", pools: ["EC"] },
              { name: "integration", target: "latest", folder: "/srv/hub" },
            ],
          }),
        );
        const p = planJson("altazion-office", "--from", from, "--to", to, "--options", file);
        const install = p.steps.find((s) => s.id === "install") as unknown as {
          done: { absent: string };
          form: { fields: Record<string, string>; tokensFromPage: string[] };
          request: { path: string };
        };
        assert.strictEqual(install.done.absent, 'data-module="ecommerce"');
        assert.deepStrictEqual(install.form, { fields: { module: "ecommerce" }, tokensFromPage: ["token"] });
        assert.strictEqual(install.request.path, "/Install");
        assert.ok(p.steps.some((s) => s.id === "backup" && s.commands.some((c) => c.includes("tar -C /srv/ec"))));
        assert.deepStrictEqual(
          p.steps.filter((s) => s.action === "verify" && s.commands.some((c) => /status\.xml/.test(c))).map((s) => s.id),
          [],
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
