// The provider process's open-file limit, in the real process the real pulumi CLI starts. The shell
// that runs pulumi has a soft limit of 256 (as a login's 1024 would be, only lower): the Server's
// check, connecting, finds its provider process running with the hard limit as its soft limit, so a
// fleet of a thousand servers is not stopped by EMFILE. No test host: the server is a local port that
// accepts the connection and never answers, which holds the provider in its handshake while the test
// reads /proc/<pid>/limits.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parseOpenFileLimit } from "../../../providers/transport/fileLimit";
import { PulumiProject, killTree } from "../../support/pulumi";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOWERED = 256;

/** The processes under `pid`, with their command lines. */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m);
  const out: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const m of rows.filter((r) => Number(r[2]) === p)) {
      out.push({ pid: Number(m[1]), cmd: m[3] });
      walk(Number(m[1]));
    }
  };
  walk(pid);
  return out;
}

describe("the provider process's open-file limit under the real pulumi CLI", function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-nofile-"));
  let silent: net.Server;
  const held: net.Socket[] = [];
  let project: PulumiProject;
  let ownLimit: string;

  before(async () => {
    // a server that takes the connection and never says a word: the check waits in its handshake
    silent = net.createServer((s) => held.push(s.on("error", () => undefined)));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "client")]);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host")]);
    const hostKey = fs.readFileSync(path.join(dir, "host.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    const program = `const { Server } = require("upchain/dist/components/index.js");
new Server("silent", { product: "omflow", target: "1.1.6.4", connection: { host: "127.0.0.1", port: ${port}, user: "root", hostKey: ${JSON.stringify(hostKey)}, privateKey: ${JSON.stringify(fs.readFileSync(path.join(dir, "client"), "utf8"))} } });
`;
    project = new PulumiProject("nofile", program);
    project.init();
    // this test process's soft limit, lowered for the CLI it starts (children inherit it), put back after
    ownLimit = fs.readFileSync("/proc/self/limits", "utf8");
    const hard = parseOpenFileLimit(ownLimit)!.hard;
    assert.ok(hard > LOWERED * 4, `this machine's hard limit (${hard}) is well above ${LOWERED}, so a raise can be seen`);
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${LOWERED}:${hard}`]);
  });
  after(() => {
    const was = ownLimit && parseOpenFileLimit(ownLimit);
    if (was) execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${was.soft}:${was.hard}`]);
    held.forEach((s) => s.destroy());
    silent?.close();
    project?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("started from a shell whose soft limit is 256, the Server's provider process runs with the hard limit while it connects", async () => {
    const hard = parseOpenFileLimit(fs.readFileSync("/proc/self/limits", "utf8"))!;
    assert.strictEqual(hard.soft, LOWERED, "the CLI is started with the lowered soft limit");
    const run = project.start(["preview"], path.join(dir, "preview.log"));
    try {
      const deadline = Date.now() + 60_000;
      // the provider has loaded upchain and is in the Server's check once the silent port hears from it
      while (held.length === 0) {
        if (run.exitCode !== null) assert.fail(`preview ended (${run.exitCode}) before connecting:\n${fs.readFileSync(path.join(dir, "preview.log"), "utf8")}`);
        if (Date.now() > deadline) assert.fail(`the provider did not connect within 60 s:\n${fs.readFileSync(path.join(dir, "preview.log"), "utf8")}`);
        await sleep(100);
      }
      const providers = descendants(run.pid!).filter((p) => /dynamic-provider/.test(p.cmd));
      assert.strictEqual(providers.length, 1, `one dynamic provider process under the CLI: ${JSON.stringify(descendants(run.pid!))}`);
      const limit = parseOpenFileLimit(fs.readFileSync(`/proc/${providers[0].pid}/limits`, "utf8"))!;
      console.log(`      provider process ${providers[0].pid}: open files soft ${limit.soft}, hard ${limit.hard} (started under soft ${LOWERED})`);
      assert.deepStrictEqual(limit, { soft: hard.hard, hard: hard.hard });
    } finally {
      killTree(run.pid!);
    }
  });
});
