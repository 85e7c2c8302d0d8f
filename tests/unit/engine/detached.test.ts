// A detached step on a local fake transport: upchain's own files are private, the step's commands
// keep the login's umask (what they create belongs to the product), and secret environment values
// reach the script through a root-only file that is gone once the step ends.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { envFileText, pollStep, startDetached } from "../../../providers/engine/detached";
import { waitForStep } from "../../../providers/engine/stepWait";
import { LocalHost, tempDir } from "../../support/localHost";
import { UNFENCED } from "../../support/testFence";

describe("a detached step (local fake transport)", function () {
  this.timeout(20_000);

  it("runs with the login's umask while its own folder and files are private, and removes the secret env file", async () => {
    const dir = tempDir();
    const step = path.join(dir, "runs/r/000-x");
    const made = path.join(dir, "made");
    const host = new LocalHost();
    const oldMask = process.umask(0o022);
    try {
      const secret = "s3cr3t 'with quotes' $(and subst)";
      await startDetached(host, step, `umask > ${dir}/umask\ntouch ${made}\nprintf '%s' "$UPCHAIN_SECRET_PW" | sha256sum > ${dir}/got`, { UPCHAIN_SECRET_PW: secret }, UNFENCED);
      const r = await waitForStep(host, step, { pollMs: 20, what: "x", fence: UNFENCED });
      assert.ok(r !== "lost" && r !== "not-started" && r.code === 0, JSON.stringify(r));
      assert.strictEqual(fs.readFileSync(path.join(dir, "umask"), "utf8").trim(), "0022");
      assert.strictEqual(fs.statSync(made).mode & 0o777, 0o644, "what the step makes is the product's, not private");
      assert.strictEqual(fs.statSync(step).mode & 0o777, 0o700);
      for (const f of ["out", "err", "rc", "pid", "script.sh"]) assert.strictEqual(fs.statSync(path.join(step, f)).mode & 0o077, 0, `${f} is private`);
      assert.strictEqual(fs.existsSync(path.join(step, "env")), false, "the env file is removed when the step ends");
      const want = require("crypto").createHash("sha256").update(secret).digest("hex");
      assert.strictEqual(fs.readFileSync(path.join(dir, "got"), "utf8").split(" ")[0], want, "the value reached the step intact");
      assert.doesNotMatch(fs.readFileSync(path.join(step, "script.sh"), "utf8"), /s3cr3t/, "the script names the variable, not the value");
    } finally {
      process.umask(oldMask);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the script reaches the host on standard input: the launch's command line does not hold it", async () => {
    const dir = tempDir();
    const host = new LocalHost();
    try {
      await startDetached(host, path.join(dir, "s"), "echo marker-7f3a > /dev/null", undefined, UNFENCED);
      assert.ok(host.commands.every((c) => !c.includes("marker-7f3a")), host.commands.join("\n"));
      assert.match(fs.readFileSync(path.join(dir, "s/script.sh"), "utf8"), /marker-7f3a/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a running step is waited for on the host: one poll returns as the step ends, with its output from the offset", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "echo first\nsleep 1\necho second", undefined, UNFENCED);
      const seen: string[] = [];
      const t0 = Date.now();
      const state = await pollStep(host, step, Buffer.byteLength("first\n"), { waitSeconds: 8, onOutput: (t) => seen.push(t) });
      const took = Date.now() - t0;
      assert.deepStrictEqual(state, { state: "finished", code: 0 });
      assert.strictEqual(seen.join(""), "second\n", "only what came after the offset");
      assert.ok(took < 5000, `returned ${took} ms after the poll began, not at the end of the wait`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the wait on the host is bounded: a longer step is reported running once it has passed", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "sleep 4", undefined, UNFENCED);
      const t0 = Date.now();
      const state = await pollStep(host, step, 0, { waitSeconds: 1 });
      assert.strictEqual(state?.state, "running");
      assert.ok(Date.now() - t0 >= 900, "it waited");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with a production poll interval, waiting for a 2 s step takes a few round trips, not one every half second", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "sleep 2\necho done", undefined, UNFENCED);
      const before = host.commands.length;
      const r = await waitForStep(host, step, { pollMs: 500, what: "x", fence: UNFENCED });
      assert.ok(r !== "lost" && r !== "not-started" && r.code === 0 && r.stdout === "done\n", JSON.stringify(r));
      const polls = host.commands.slice(before).filter((c) => c.includes("echo not-started")).length;
      assert.ok(polls <= 5, `${polls} polls`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes each env value as one quoted sh word and refuses a name that is not a variable name", () => {
    assert.strictEqual(envFileText({ UPCHAIN_SECRET_A: "x'y\nz" }), `export UPCHAIN_SECRET_A='x'\\''y\nz'\n`);
    assert.throws(() => envFileText({ "A;rm -rf /": "x" }), /bad environment variable name/);
  });
});
