// The fleet against the provider process's open-file limit: the decision on made-up limits, the raise
// on this machine's real processes (prlimit, /proc/<pid>/limits), and the refusal's advice followed
// in a real shell.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  LimitAccess,
  OWN_FILES,
  OpenFileLimit,
  countServer,
  decide,
  ensureOpenFiles,
  limitMessage,
  openFilesNeeded,
  parseOpenFileLimit,
  serversWithin,
} from "../../../providers/transport/fileLimit";

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

/** A process whose limit is `limit`, raised (or not) as `raise` does; records what was asked. */
function fakeProcess(limit: OpenFileLimit, raise?: (to: number, hard: number) => OpenFileLimit): LimitAccess & { asked: number[] } {
  let now = { ...limit };
  const asked: number[] = [];
  return {
    asked,
    read: () => ({ ...now }),
    raiseSoft: (to, hard) => {
      asked.push(to);
      now = raise ? raise(to, hard) : { soft: to, hard };
    },
  };
}

const isRoot = process.getuid?.() === 0;
const CAP_SYS_RESOURCE = 24;
/** Whether this process holds a capability (its effective set in /proc/self/status). */
function hasCapability(bit: number): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return !!m && ((BigInt("0x" + m[1]) >> BigInt(bit)) & 1n) === 1n;
}

describe("open-file limit against the fleet", () => {
  it("reads the soft and hard limits from /proc/<pid>/limits, and 'unlimited' as no bound", () => {
    assert.deepStrictEqual(parseOpenFileLimit(PROC_LIMITS), { soft: 1024, hard: 524288 });
    assert.deepStrictEqual(parseOpenFileLimit("Max open files            unlimited            unlimited            files\n"), {
      soft: Infinity,
      hard: Infinity,
    });
    assert.strictEqual(parseOpenFileLimit("Max cpu time unlimited unlimited seconds\n"), undefined);
  });

  it("a fleet of 900 fits under a soft limit of 1024 (900 connections and the process's own), 1,000 does not", () => {
    assert.strictEqual(openFilesNeeded(900), 900 + OWN_FILES);
    assert.deepStrictEqual(decide(900, { soft: 1024, hard: 1024 }), { action: "fits" });
    assert.deepStrictEqual(decide(1000, { soft: 1024, hard: 1024 }), { action: "refuse", needed: 1000 + OWN_FILES });
    assert.strictEqual(serversWithin(1024), 1024 - OWN_FILES);
  });

  it("a fleet above the soft limit but within the hard one raises the soft limit to the hard one", () => {
    assert.deepStrictEqual(decide(1000, { soft: 1024, hard: 524288 }), { action: "raise", to: 524288 });
    const p = fakeProcess({ soft: 1024, hard: 524288 });
    assert.strictEqual(ensureOpenFiles(1000, p), undefined);
    assert.deepStrictEqual(p.asked, [524288]);
  });

  it("a fleet within the soft limit changes nothing", () => {
    const p = fakeProcess({ soft: 1024, hard: 524288 });
    assert.strictEqual(ensureOpenFiles(20, p), undefined);
    assert.deepStrictEqual(p.asked, []);
  });

  it("a fleet above the hard limit is refused with its size, the limit, the open files it needs and how to raise the limit or split the fleet", () => {
    const p = fakeProcess({ soft: 1024, hard: 1024 });
    const e = ensureOpenFiles(1500, p);
    assert.strictEqual(e?.code, "TOO_MANY_OPEN_FILES");
    assert.deepStrictEqual(e.path, ["connection"]);
    assert.deepStrictEqual(p.asked, [], "nothing to raise: the hard limit binds");
    const needed = 1500 + OWN_FILES;
    assert.match(e.message, new RegExp(`^1500 servers need about ${needed} open files .* its hard limit is 1024, which only root can raise`));
    assert.ok(e.message.includes(`\`ulimit -Hn ${needed}; ulimit -Sn ${needed}\``), e.message);
    assert.ok(e.message.includes(`LimitNOFILE=${needed}`) && e.message.includes(`hard nofile ${needed}`), e.message);
    assert.ok(e.message.includes(`stacks of at most ${1024 - OWN_FILES} servers`) && e.message.includes("docs/fleets.md"), e.message);
  });

  it("a raise that fails, or that did not take, is refused with the soft limit and the ulimit -Sn that raises it", () => {
    const failing: LimitAccess = {
      read: () => ({ soft: 1024, hard: 4096 }),
      raiseSoft: () => {
        throw new Error("prlimit is not installed (util-linux)");
      },
    };
    const e = ensureOpenFiles(2000, failing);
    assert.strictEqual(e?.code, "TOO_MANY_OPEN_FILES");
    assert.match(e.message, /its soft limit is 1024 and raising it to the hard limit \(4096\) failed: prlimit is not installed/);
    assert.ok(e.message.includes(`\`ulimit -Sn ${2000 + OWN_FILES}\``), e.message);
    const ignored = fakeProcess({ soft: 1024, hard: 4096 }, (_to, hard) => ({ soft: 1024, hard }));
    assert.match(ensureOpenFiles(2000, ignored)?.message ?? "", /failed: the soft limit is 1024 afterwards/);
  });

  it("servers are counted once each by address, and the one past the limit is refused", () => {
    const counted = new Set<string>();
    const p = fakeProcess({ soft: OWN_FILES + 2, hard: OWN_FILES + 2 });
    assert.strictEqual(countServer("10.0.0.1:22", p, counted), undefined);
    assert.strictEqual(countServer("10.0.0.1:22", p, counted), undefined, "the same server checked again is not a second connection");
    assert.strictEqual(countServer("10.0.0.2:22", p, counted), undefined);
    assert.strictEqual(countServer("10.0.0.3:22", p, counted)?.code, "TOO_MANY_OPEN_FILES");
  });

  it("in a real process whose soft limit was lowered, the raise takes: /proc/self/limits shows the hard limit afterwards", function () {
    if (process.platform !== "linux") this.skip();
    this.timeout(30_000);
    const module = path.resolve(__dirname, "../../../providers/transport/fileLimit.js");
    // a child lowers its own soft limit (Node raised it at start-up), then asks for room for 500 servers
    const script = `
      const { execFileSync } = require("child_process");
      const fl = require(${JSON.stringify(module)});
      const hard = fl.ownProcess.read().hard;
      execFileSync("prlimit", ["--pid", String(process.pid), "--nofile=100:" + hard]);
      const before = fl.ownProcess.read();
      const problem = fl.ensureOpenFiles(500);
      console.log(JSON.stringify({ before, problem: problem && problem.message, after: fl.ownProcess.read() }));`;
    const r = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    assert.strictEqual(r.before.soft, 100);
    assert.ok(r.before.hard >= 500 + OWN_FILES, `this machine's hard limit (${r.before.hard}) leaves room for the test`);
    assert.strictEqual(r.problem, undefined);
    assert.deepStrictEqual(r.after, { soft: r.before.hard, hard: r.before.hard });
  });

  it("the refusal's advice for a soft limit that could not be raised, followed in a shell, gives a process the open files the fleet needs", function () {
    const hard = parseOpenFileLimit(execFileSync("bash", ["-c", "cat /proc/self/limits"], { encoding: "utf8" }))!.hard;
    if (hard < openFilesNeeded(1000)) this.skip(); // this machine's own hard limit leaves no room to show it
    const advice = /`(ulimit -Sn \d+)`/.exec(limitMessage(1000, { soft: 256, hard }, "prlimit is not installed (util-linux)"))?.[1];
    assert.ok(advice);
    const out = execFileSync("bash", ["-c", `ulimit -Sn 256; ${advice}; grep 'Max open files' /proc/self/limits`], { encoding: "utf8" });
    assert.deepStrictEqual(decide(1000, parseOpenFileLimit(out)!), { action: "fits" }, out);
  });

  it("the refusal's advice for a hard limit, followed as root in a shell with a hard limit of 256, gives a process the open files the fleet needs", function () {
    // raising a hard limit takes CAP_SYS_RESOURCE, which root has on a controller (a sandbox may withhold it)
    if (!isRoot || !hasCapability(CAP_SYS_RESOURCE)) this.skip();
    const message = limitMessage(1000, { soft: 256, hard: 256 });
    const advice = /`(ulimit -Hn \d+; ulimit -Sn \d+)`/.exec(message)?.[1];
    assert.ok(advice, message);
    // the shell starts at the limit of the refusal, follows the advice, and a child reads what it got
    const out = execFileSync("bash", ["-c", `ulimit -Sn 256; ulimit -Hn 256; ${advice}; grep 'Max open files' /proc/self/limits`], { encoding: "utf8" });
    assert.deepStrictEqual(decide(1000, parseOpenFileLimit(out)!), { action: "fits" }, out);
  });
});
