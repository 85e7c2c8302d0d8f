// The test-host harness on a machine where no host has run since boot: its run folder does not exist
// (/run is emptied at every boot). Every command must then answer plainly, not fail on the missing
// folder: the demo's first step lists the hosts before any is started.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireRoot } from "../../support/hosts";
import { repoRoot } from "../../support/pulumi";

describe("the test-host harness on a machine with no hosts yet", () => {
  let parent: string;
  let run: string;
  before(() => {
    requireRoot();
    parent = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-no-hosts-"));
    run = path.join(parent, "never-made");
  });
  after(() => fs.rmSync(parent, { recursive: true, force: true }));

  const harness = (...args: string[]) => {
    const r = spawnSync("bash", [path.join(repoRoot, "tests/hosts/testhost.sh"), ...args], {
      env: { ...process.env, UPCHAIN_HOSTS_RUN: run },
      encoding: "utf8",
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  const cases: { name: string; args: string[]; code: number; stderr: RegExp }[] = [
    { name: "list prints nothing and succeeds", args: ["list"], code: 0, stderr: /^$/ },
    { name: "down --all has nothing to stop and succeeds", args: ["down", "--all"], code: 0, stderr: /^$/ },
    { name: "down of a host that is not there succeeds: it is down already", args: ["down", "nohost"], code: 0, stderr: /^$/ },
    {
      name: "info of an unknown host says so in one line, naming how to start it",
      args: ["info", "nohost"],
      code: 1,
      stderr: /^testhost: no host named nohost \(start it with: testhost\.sh up nohost\)\n$/,
    },
    {
      name: "exec on an unknown host says so in one line",
      args: ["exec", "nohost", "true"],
      code: 1,
      stderr: /^testhost: no host named nohost \(start it with: testhost\.sh up nohost\)\n$/,
    },
    {
      name: "reset of an unknown host says so in one line",
      args: ["reset", "nohost"],
      code: 1,
      stderr: /^testhost: no host named nohost \(start it with: testhost\.sh up nohost\)\n$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = harness(...c.args);
      assert.strictEqual(r.code, c.code, `exit code; stderr: ${r.stderr}`);
      assert.match(r.stderr, c.stderr);
      if (c.code === 0) assert.strictEqual(r.stdout, "");
      assert.ok(!fs.existsSync(run), "a command that starts nothing made the run folder");
    });
  }
});
