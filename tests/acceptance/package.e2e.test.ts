// `npm pack` on a clean clone, as a user or a release would run it: the package must carry the compiled
// components and providers with their typings (prepack builds them), load from a project of one's own,
// and carry the documents the README links to, but neither the tests nor source maps.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineEnv, repoRoot } from "../support/pulumi";

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, env: engineEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 });
  assert.strictEqual(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("npm pack on a clean clone", function () {
  this.timeout(15 * 60_000);
  let work: string;
  let files: string[];
  let tarball: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-pack-"));
    const clone = path.join(work, "clone");
    // the committed tree only, as CI's clone has it: nothing built, nothing left over from this checkout
    run("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, clone], work);
    assert.ok(!fs.existsSync(path.join(clone, "dist")), "a clean clone has nothing built");
    // the clone's dependencies are this checkout's (npm ci would fetch the same lock file's packages)
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(clone, "node_modules"));
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], clone)) as { filename: string; files: { path: string }[] }[];
    files = packed[0].files.map((f) => f.path);
    tarball = path.join(work, packed[0].filename);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("builds before packing, so the package holds the compiled components and providers with their typings", () => {
    for (const f of [
      "package.json",
      "README.md",
      "dist/components/index.js",
      "dist/components/index.d.ts",
      "dist/components/omflowServer.d.ts",
      "dist/providers/cli.js",
      "dist/providers/server/provider.js",
      "dist/providers/catalogs/omflow/index.js",
    ]) {
      assert.ok(files.includes(f), `${f} is not in the package (it holds ${files.length} files)`);
    }
  });

  it("carries the documents the README links to: docs/, the changelog and each product's guide", () => {
    for (const f of ["CHANGELOG.md", "docs/operations.md", "docs/own-program.md", "providers/catalogs/omflow/README.md", "providers/loadBalancer/README.md"]) {
      assert.ok(files.includes(f), `${f} is not in the package`);
    }
  });

  it("leaves out the tests, the stacks of this repository and the source maps", () => {
    assert.deepStrictEqual(
      files.filter((f) => /^dist\/tests\/|\.map$|^tests\/|^stacks\//.test(f)),
      [],
    );
  });

  it("loads from a project of one's own: the components are there and the upchain command answers", () => {
    const app = path.join(work, "app");
    const modules = path.join(app, "node_modules");
    fs.mkdirSync(modules, { recursive: true });
    run("tar", ["-xzf", tarball, "-C", app], app);
    fs.renameSync(path.join(app, "package"), path.join(modules, "upchain"));
    // its dependencies, as npm install would put them beside it
    for (const entry of fs.readdirSync(path.join(repoRoot, "node_modules"))) {
      if (!entry.startsWith(".")) fs.symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry));
    }
    const exported = run("node", ["-e", "console.log(Object.keys(require('upchain')).sort().join(' '))"], app);
    for (const name of ["OmflowServer", "GroupmaxServer", "OracleAsServer", "AltazionServer", "WebCacheCluster"])
      assert.match(exported, new RegExp(`\\b${name}\\b`));
    assert.match(run("node", [path.join(modules, "upchain/dist/providers/cli.js"), "--help"], app), /upchain plan/);
  });
});
