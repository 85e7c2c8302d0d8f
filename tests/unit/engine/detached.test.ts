// A detached step on a local fake transport: upchain's own files are private, the step's commands
// keep the login's umask (what they create belongs to the product), and secret environment values
// reach the script through a root-only file that is gone once the step ends.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { envFileText, startDetached } from "../../../providers/engine/detached";
import { waitForStep } from "../../../providers/engine/stepWait";
import { LocalHost, tempDir } from "../../support/localHost";

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
      await startDetached(host, step, `umask > ${dir}/umask\ntouch ${made}\nprintf '%s' "$UPCHAIN_SECRET_PW" | sha256sum > ${dir}/got`, { UPCHAIN_SECRET_PW: secret });
      const r = await waitForStep(host, step, { pollMs: 20, what: "x" });
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

  it("writes each env value as one quoted sh word and refuses a name that is not a variable name", () => {
    assert.strictEqual(envFileText({ UPCHAIN_SECRET_A: "x'y\nz" }), `export UPCHAIN_SECRET_A='x'\\''y\nz'\n`);
    assert.throws(() => envFileText({ "A;rm -rf /": "x" }), /bad environment variable name/);
  });
});
