// upchain as a user gets it: `npm pack`, a fresh Pulumi TypeScript program of the user's own that
// installs the tarball with npm and declares a GroupmaxServer, type-checked with its own TypeScript,
// a real upgrade through `pulumi up`, then the program's directory moved and its state still served
// by `refresh` and `destroy` (the state holds no path of the checkout or of the old directory).
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { groupmaxState, installGroupmax } from "../support/groupmaxFixture";
import { groupmaxOptions } from "../support/groupmaxProject";
import { PulumiProject, repoRoot } from "../support/pulumi";

const program = `import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs, GroupmaxServer, Server } from "upchain";

const cfg = new pulumi.Config();
const connection: ConnectionArgs = {
  host: cfg.require("host"),
  user: "root",
  privateKey: cfg.requireSecret("privateKey"),
  hostKey: cfg.require("hostKey"),
};
// no Groupmax document names a version source: the stack says what the server runs today
const mail = new GroupmaxServer("mail", { connection, version: cfg.require("version"), current: "02-00", options: cfg.requireObject("options") });
export const installed = mail.installedVersion;

// a product of our own, from our own catalog module; after the mail server, whose upgrade reboots the host
const banner = new Server("banner", { product: "banner", catalogModule: "./catalogs/banner", target: "3", connection }, { dependsOn: [mail] });
export const bannerVersion = banner.installedVersion;
`;

// The user's catalog for a product of their own: a banner file whose releases go one at a time.
const bannerCatalog = `const { shStep, quote } = require("upchain");
const rule = { id: "banner.one-by-one", text: "each banner release upgrades the one before it", source: "our runbook, section 2" };
const file = "/etc/banner/VERSION";
const saved = (hop) => "/var/backups/banner-" + hop.from;
exports.catalog = {
  product: "banner",
  title: "Site banner",
  scheme: { describe: "a whole number", normalize: (v) => (/^[0-9]+$/.test(v) ? String(Number(v)) : undefined), compare: (a, b) => Number(a) - Number(b) },
  platforms: ["linux"],
  defaultReleases: ["1", "2", "3"],
  legalHops: (from, ctx) => ctx.releases.filter((r) => Number(r) === Number(from) + 1).map((to) => ({ from, to, rule })),
  requiredStops: () => [],
  probeVersion: () => ({ shell: "sh", command: "cat " + file + " 2>/dev/null || true" }),
  hopSteps: (hop) => [
    shStep({ id: "backup", action: "backup", title: "Keep banner " + hop.from, destructive: false, commands: ["cp " + file + " " + quote(saved(hop))] }),
    shStep({ id: "write", action: "run", title: "Write banner " + hop.to, destructive: true, commands: ["echo " + quote(hop.to) + " > " + file] }),
    shStep({ id: "verify", action: "verify", title: "Banner reads " + hop.to, destructive: false, commands: ['test "$(cat ' + file + ')" = ' + quote(hop.to)] }),
  ],
  restoreSteps: (hop) => [shStep({ id: "restore", action: "restore", title: "Put banner " + hop.from + " back", destructive: true, commands: ["cp " + quote(saved(hop)) + " " + file] })],
};
`;

// Pulumi's TypeScript template, with esModuleInterop: zod's typings, which upchain's options types
// reach, need it (or skipLibCheck).
const tsconfig = {
  compilerOptions: {
    strict: true,
    target: "ES2020",
    module: "commonjs",
    moduleResolution: "node",
    esModuleInterop: true,
    noEmit: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

function npm(dir: string, args: string[]): string {
  try {
    return execFileSync("npm", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const failed = e as Error & { stderr?: string };
    throw new Error(`npm ${args.join(" ")} failed in ${dir}: ${failed.stderr || failed.message}`);
  }
}

describe("upchain installed from its npm tarball into a user's own Pulumi program", function () {
  this.timeout(20 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;
  let tarball: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-own-"));

  before(async () => {
    requireRoot();
    [h] = startHosts("own1");
    installGroupmax(h, "02-00");
    onHost(h.name, "mkdir -p /etc/banner && echo 1 > /etc/banner/VERSION");
    project = new PulumiProject("prod", null);
  });
  after(() => {
    project?.dispose();
    fs.rmSync(work, { recursive: true, force: true });
    stopHosts("own1");
  });

  it("npm pack holds the compiled package and its documents, and nothing of the tests, the bench or the sources", () => {
    const out = npm(repoRoot, ["pack", "--json", "--pack-destination", work]);
    const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, packed.filename);
    const files = packed.files.map((f) => f.path);
    assert.ok(files.includes("dist/components/index.js") && files.includes("dist/components/index.d.ts"), "the entry point and its typings");
    assert.ok(files.includes("dist/providers/server/impl.js"), "the provider implementations the state's providers load");
    const stray = files.filter(
      (f) => !/^(package\.json|README\.md|CHANGELOG\.md|docs\/[\w-]+\.md|providers\/[\w/]+\/README\.md|dist\/(components|providers)\/.*\.(js|d\.ts))$/.test(f),
    );
    assert.deepStrictEqual(stray, [], "only the compiled package, its typings, package.json and the documents the README links to");
  });

  it("a fresh program installs the tarball with npm and type-checks against its typings", () => {
    const pkg = {
      name: "my-upgrades",
      private: true,
      main: "index.ts",
      dependencies: { upchain: `file:${tarball}`, "@pulumi/pulumi": require(path.join(repoRoot, "node_modules/@pulumi/pulumi/package.json")).version },
      devDependencies: {
        typescript: require(path.join(repoRoot, "node_modules/typescript/package.json")).version,
        "@types/node": require(path.join(repoRoot, "node_modules/@types/node/package.json")).version,
      },
    };
    fs.writeFileSync(path.join(project.dir, "package.json"), JSON.stringify(pkg, null, 2));
    fs.writeFileSync(path.join(project.dir, "Pulumi.yaml"), "name: my-upgrades\nruntime: nodejs\n");
    fs.writeFileSync(path.join(project.dir, "index.ts"), program);
    fs.writeFileSync(path.join(project.dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    fs.mkdirSync(path.join(project.dir, "catalogs"));
    fs.writeFileSync(path.join(project.dir, "catalogs/banner.js"), bannerCatalog);
    npm(project.dir, ["install", "--prefer-offline", "--no-audit", "--no-fund"]);
    const installed = fs.realpathSync(path.join(project.dir, "node_modules/upchain"));
    assert.ok(installed.startsWith(project.dir), `upchain is a copy in the program's node_modules, not a link to the checkout (${installed})`);
    const typed = spawnSync(path.join(project.dir, "node_modules/.bin/tsc"), ["-p", "."], { cwd: project.dir, encoding: "utf8" });
    assert.strictEqual(typed.status, 0, `the program type-checks: ${typed.stdout}${typed.stderr}`);
    // a type error is caught: the typings are really read
    fs.writeFileSync(path.join(project.dir, "wrong.ts"), `import { GroupmaxServer } from "upchain";\nnew GroupmaxServer("x", { version: 6 });\n`);
    const wrong = spawnSync(path.join(project.dir, "node_modules/.bin/tsc"), ["--noEmit", "--strict", "--esModuleInterop", "wrong.ts"], {
      cwd: project.dir,
      encoding: "utf8",
    });
    assert.match(wrong.stdout, /^wrong\.ts\(2,\d+\): error TS\d+:/m, `a number for a version and no connection are type errors: ${wrong.stdout}`);
    fs.rmSync(path.join(project.dir, "wrong.ts"));
  });

  it("pulumi up upgrades the host from 02-00 to 06-00 through the installed package, and our own product from 1 to 3", () => {
    project.init();
    project.writeConfig({
      "my-upgrades:host": h.host,
      "my-upgrades:hostKey": h.hostKey,
      "my-upgrades:version": "06-00",
      "my-upgrades:options": groupmaxOptions(),
    });
    project.setConfig("privateKey", privateKey(h), true);
    const preview = project.ok(["preview", "--diff"]);
    assert.match(preview.output, /02-00->06-00/, "preview shows the chain");
    assert.match(preview.output, /1->2 write: .*\n[^]*2->3 write:/, "and our own product's chain, from our catalog");
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(groupmaxState(h.name).version, "06-00");
    assert.strictEqual(project.ok(["stack", "output", "installed"]).stdout.trim(), "06-00");
    assert.strictEqual(onHost(h.name, "cat /etc/banner/VERSION").trim(), "3");
    assert.strictEqual(project.ok(["stack", "output", "bannerVersion"]).stdout.trim(), "3");
  });

  it("the state's providers name no directory: neither the checkout's nor the program's", () => {
    const resources = JSON.parse(project.ok(["stack", "export"]).stdout).deployment.resources as { type: string; inputs?: Record<string, unknown> }[];
    const providers = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).map((r) => String(r.inputs?.__provider ?? ""));
    assert.strictEqual(providers.length, 2, "the two servers' serialized providers");
    for (const p of providers) {
      assert.match(p, /dist\/providers\/server\/impl\.js/, "the provider loads its code by its place in the package");
      assert.ok(!p.includes(repoRoot) && !p.includes(project.dir), "and by no absolute path");
    }
    assert.ok(!project.stateText().includes(project.dir), "the program's directory is nowhere in the state");
  });

  it("a catalog module whose function never answers: preview is refused under catalogModule at the call's time limit, not hung (issue 19)", () => {
    const banner = path.join(project.dir, "catalogs/banner.js");
    // every version the stack names goes through the scheme: its first call never returns
    fs.writeFileSync(banner, bannerCatalog.replace("normalize: (v) =>", "normalize: (v) => { for (;;); },\n  unused: (v) =>"));
    try {
      const started = Date.now();
      const r = project.run(["preview", "--diff"]);
      const took = Date.now() - started;
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(
        r.output,
        /resource 'banner' has a problem: catalogModule: INVALID_INPUT: the catalog module "\.\/catalogs\/banner" of banner did not answer catalog\.scheme\.normalize\(\) within 5 s \(a loop, or a wait\?\)/,
        r.output,
      );
      assert.match(r.output, /fix catalog\.scheme\.normalize in the module so that it returns/);
      // a preview of these two servers takes some 15 s here: the loop costs its 5 s limit, once
      assert.ok(took < 90_000, `preview took ${took} ms`);
    } finally {
      fs.writeFileSync(banner, bannerCatalog);
    }
  });

  it("after the program's directory moves, up changes nothing, refresh finds no drift and destroy succeeds", () => {
    const moved = path.join(work, "moved-program");
    project.moveTo(moved);
    // Pulumi keeps the selected stack per directory: a moved program selects it again
    project.ok(["stack", "select", "prod"]);
    project.ok(["up", "--yes", "--expect-no-changes"]);
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
    project.ok(["destroy", "--yes"]);
    assert.strictEqual(groupmaxState(h.name).version, "06-00", "destroy forgets the server and leaves it running its version");
  });
});
