// A detached step on a local fake transport: upchain's own files are private, the step's commands
// keep the login's umask (what they create belongs to the product), and secret environment values
// reach the script through a root-only file that is gone once the step ends.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawn, spawnSync } from "child_process";
import { isUpchainError } from "../../../../providers/errors";
import { envFileText, envUsedBy, pollStep, startDetached, stepStateScript, sweepStepEnvScript } from "../../../../providers/engine/running/detached";
import { waitForStep } from "../../../../providers/engine/running/stepWait";
import { AsyncLocalHost } from "../../../support/asyncLocalHost";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";

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
      await startDetached(
        host,
        step,
        `umask > ${dir}/umask\ntouch ${made}\nprintf '%s' "$UPCHAIN_SECRET_PW" | sha256sum > ${dir}/got`,
        { UPCHAIN_SECRET_PW: secret },
        UNFENCED,
      );
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
      assert.ok(
        host.commands.every((c) => !c.includes("marker-7f3a")),
        host.commands.join("\n"),
      );
      assert.match(fs.readFileSync(path.join(dir, "s/script.sh"), "utf8"), /marker-7f3a/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a running step is waited for on the host: one poll returns as the step ends, with its output from the offset, and its whole stdout and stderr", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "echo first\nsleep 1\necho second\necho warned >&2", undefined, UNFENCED);
      const seen: string[] = [];
      const t0 = Date.now();
      const state = await pollStep(host, step, Buffer.byteLength("first\n"), { waitSeconds: 8, onOutput: (t) => seen.push(t) });
      const took = Date.now() - t0;
      assert.deepStrictEqual(state, { state: "finished", code: 0, result: { code: 0, stdout: "first\nsecond\n", stderr: "warned\n" } });
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
      const polls = host.commands.slice(before).filter((c) => c.includes("s=not-started")).length;
      assert.ok(polls <= 5, `${polls} polls`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("while a step runs, the wait on the host starts a process or two, not two every 0.2 s", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "sleep 30", undefined, UNFENCED);
      // every command the poll could start, replaced by one that notes its name, then runs the real one
      const shims = path.join(dir, "shims");
      const log = path.join(dir, "started");
      fs.mkdirSync(shims);
      for (const name of ["flock", "wc", "tail", "head", "sleep", "date", "mv", "cat", "rm", "stat"]) {
        const real = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
        fs.writeFileSync(path.join(shims, name), `#!/bin/sh\necho ${name} >> ${log}\nexec ${real} "$@"\n`, { mode: 0o755 });
      }
      const counted = new LocalHost();
      counted.exec = (command, o) => host.exec(`PATH=${shims}:$PATH; export PATH\n${command}`, o);
      const state = await pollStep(counted, step, 0, { waitSeconds: 3, onOutput: () => undefined });
      assert.strictEqual(state?.state, "running");
      const started = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
      assert.ok(started.length <= 3, `the 3 s wait started ${started.length} processes: ${started.join(" ")}`);
    } finally {
      spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the launch waits for a long step's first 200 ms on the step's lock, starting no sleep every 20 ms, and a short step is done when it returns", async () => {
    const dir = tempDir();
    const host = new LocalHost();
    const realSleep = spawnSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).stdout.trim();
    // the launch's sleeps noted through a shim; the step itself sleeps with the real one
    const shims = path.join(dir, "shims");
    const log = path.join(dir, "started");
    fs.mkdirSync(shims);
    fs.writeFileSync(path.join(shims, "sleep"), `#!/bin/sh\necho sleep >> ${log}\nexec ${realSleep} "$@"\n`, { mode: 0o755 });
    const counted = new LocalHost();
    counted.exec = (command, o) => host.exec(`PATH=${shims}:$PATH; export PATH\n${command}`, o);
    const long = path.join(dir, "long");
    try {
      const t0 = Date.now();
      await startDetached(counted, long, `${realSleep} 30`, undefined, UNFENCED);
      const took = Date.now() - t0;
      const sleeps = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").length : 0;
      assert.ok(sleeps <= 2, `the launch started ${sleeps} sleeps`);
      assert.ok(took >= 180, `the launch gave the step its 200 ms (${took} ms)`);
      assert.ok(fs.existsSync(path.join(long, "pid")) && !fs.existsSync(path.join(long, "rc")));
      const short = path.join(dir, "short");
      await startDetached(counted, short, "true", undefined, UNFENCED);
      assert.strictEqual(fs.readFileSync(path.join(short, "rc"), "utf8").trim(), "0", "the short step's exit status is there when the launch returns");
    } finally {
      spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${long}/pid)`]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the wait wakes the moment the step's whole process group is killed, and says it is gone", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new AsyncLocalHost();
    try {
      await startDetached(host, step, "sleep 30", undefined, UNFENCED);
      const polled = pollStep(host, step, 0, { waitSeconds: 8 });
      await new Promise((r) => setTimeout(r, 700));
      const killedAt = Date.now();
      spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
      const state = await polled;
      assert.strictEqual(state?.state, "lost");
      assert.ok(Date.now() - killedAt < 1500, `woke ${Date.now() - killedAt} ms after the kill`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a step with no lock to wait on (launched by an earlier upchain) is still waited for, and its end is seen", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "sleep 1.5\necho done", undefined, UNFENCED);
      fs.rmSync(path.join(step, "running.lock"));
      const t0 = Date.now();
      const state = await pollStep(host, step, 0, { waitSeconds: 8 });
      assert.ok(state?.state === "finished" && state.result?.stdout === "done\n", JSON.stringify(state));
      assert.ok(Date.now() - t0 < 4000, `returned after ${Date.now() - t0} ms`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a lock that is free while the step still runs (its file replaced) proves nothing: the step is waited for, not taken for ended", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, "sleep 30", undefined, UNFENCED);
      fs.rmSync(path.join(step, "running.lock"));
      fs.writeFileSync(path.join(step, "running.lock"), "");
      const t0 = Date.now();
      const state = await pollStep(host, step, 0, { waitSeconds: 2 });
      assert.strictEqual(state?.state, "running");
      assert.ok(Date.now() - t0 >= 1800, `returned after ${Date.now() - t0} ms`);
    } finally {
      spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes each env value as one quoted sh word and refuses a name that is not a variable name", () => {
    assert.strictEqual(envFileText({ UPCHAIN_SECRET_A: "x'y\nz" }), `export UPCHAIN_SECRET_A='x'\\''y\nz'\n`);
    assert.throws(() => envFileText({ "A;rm -rf /": "x" }), /bad environment variable name/);
  });

  describe("a poll on a host that cannot fork", () => {
    // a pids cgroup (v1 or v2) that this machine lets us make: the tests run as root on Linux
    const roots = ["/sys/fs/cgroup/pids", "/sys/fs/cgroup"].filter(
      (r) => fs.existsSync(path.join(r, "cgroup.procs")) && (r.endsWith("pids") || fs.existsSync(path.join(r, "cgroup.subtree_control"))),
    );
    let group: string | undefined;
    before(function () {
      for (const r of roots) {
        try {
          const g = path.join(r, `upchain-unit-nofork-${process.pid}`);
          fs.mkdirSync(g);
          if (fs.existsSync(path.join(g, "pids.max"))) {
            group = g;
            return;
          }
          fs.rmdirSync(g);
        } catch {
          // not ours to make: try the next
        }
      }
      this.skip(); // no pids cgroup here (not root, or no pids controller): the acceptance test covers it on a real host
    });
    after(() => group && fs.rmdirSync(group));

    /** Run `script` by sh inside the cgroup, whose pids.max allows `limit` processes (sh itself is one). */
    function underLimit(limit: number, script: string) {
      fs.writeFileSync(path.join(group!, "pids.max"), String(limit));
      return spawnSync("sh", ["-c", `echo $$ > ${group}/cgroup.procs || exit 99\n${script}`], { encoding: "utf8" });
    }

    it("a live step is never reported gone, whatever the limit: its state is read with built-ins, so even a shell that cannot start one process says running", async () => {
      const dir = tempDir();
      const step = path.join(dir, "s");
      const host = new LocalHost();
      try {
        await startDetached(host, step, "sleep 30", undefined, UNFENCED);
        const seen: string[] = [];
        for (let limit = 1; limit <= 8; limit++) {
          const r = underLimit(limit, stepStateScript(step));
          seen.push(`${limit}:${r.stdout.trim()}`);
        }
        assert.ok(
          seen.every((x) => !x.endsWith(":gone")),
          seen.join(" "),
        );
        assert.match(seen[0], /^1:running \d+ \d+$/, "with no fork at all the state is still read");
      } finally {
        spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("the whole poll, output and all, still tells the state when it cannot follow the output", async () => {
      const dir = tempDir();
      const step = path.join(dir, "s");
      const host = new LocalHost();
      try {
        await startDetached(host, step, "echo hello\nsleep 30", undefined, UNFENCED);
        // the poll's own command, run in the cgroup: a host whose exec joins it first
        const limited = new LocalHost();
        limited.exec = async (command, o) => {
          const r = underLimit(1, command);
          void o;
          return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
        };
        const s = await pollStep(limited, step, 0);
        assert.strictEqual(s?.state, "running", JSON.stringify(s));
      } finally {
        spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("an ended step whose process lingers as a zombie, with no exit status, is gone; a pid that cannot be read is unknown, not gone", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    fs.mkdirSync(step);
    // a process whose parent (a sleep, after exec) never reaps it: a zombie until the sleep is killed.
    // The child outlives the shell's exec (a child that ended at once could be reaped by the shell
    // before it became the sleep), so it dies under a parent that never waits.
    const parent = spawn("sh", ["-c", "sleep 0.5 & echo $!; exec sleep 60"]); // killed below; long enough for a loaded machine
    const zombie = await new Promise<string>((r) => parent.stdout.once("data", (d) => r(String(d).trim())));
    const readStat = () => fs.readFileSync(`/proc/${zombie}/stat`, "utf8").replace(/.*\) /s, "").split(" ");
    for (const until = Date.now() + 10_000; readStat()[0] !== "Z" && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
    try {
      const stat = readStat();
      assert.strictEqual(stat[0], "Z");
      fs.writeFileSync(path.join(step, "pid"), `${zombie}\n`);
      fs.writeFileSync(path.join(step, "start"), `${stat[19]}\n`);
      fs.writeFileSync(path.join(step, "started-up"), "1\n");
      const state = () => spawnSync("sh", ["-c", stepStateScript(step)], { encoding: "utf8" }).stdout.trim();
      assert.strictEqual(state(), "gone");
      fs.writeFileSync(path.join(step, "pid"), "");
      assert.strictEqual(state(), "unknown", "an empty pid file proves nothing");
      fs.writeFileSync(path.join(step, "pid"), `${process.pid}\n`);
      fs.rmSync(path.join(step, "start"));
      assert.strictEqual(state(), "unknown", "a live pid whose recorded start time cannot be read proves nothing");
    } finally {
      parent.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a step whose process cannot be read is waited for until its deadline, then the outcome is unknown: it is never taken for lost, and nothing says it ended", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      fs.mkdirSync(step);
      fs.writeFileSync(path.join(step, "pid"), ""); // unreadable as a pid: every poll says "unknown"
      const t0 = Date.now();
      await assert.rejects(
        waitForStep(host, step, { pollMs: 50, what: "step x", deadlineSeconds: 2, fence: UNFENCED }),
        (e: unknown) =>
          isUpchainError(e, "OUTCOME_UNKNOWN") && /past its deadline of 2s/.test((e as Error).message) && /nothing was restored/.test((e as Error).message),
      );
      assert.ok(Date.now() - t0 >= 2000, "it waited for the deadline");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("only a step that names a secret's variable gets a secrets file, holding only the secrets it names", async () => {
    const env = { UPCHAIN_SECRET_PW: "p w", UPCHAIN_SECRET_PW2: "other", UPCHAIN_SECRET_TOKEN: "t" };
    assert.deepStrictEqual(envUsedBy('installer --password "$UPCHAIN_SECRET_PW"', env), { UPCHAIN_SECRET_PW: "p w" });
    assert.deepStrictEqual(envUsedBy("echo ${UPCHAIN_SECRET_PW2}", env), { UPCHAIN_SECRET_PW2: "other" });
    assert.deepStrictEqual(envUsedBy("echo no secret here", env), {});
    const dir = tempDir();
    const host = new LocalHost();
    try {
      // the secrets file is written by a (fenced) write script that names its target: f=<path>
      const writes: string[] = [];
      const exec = host.exec.bind(host);
      host.exec = async (command, opts) => {
        for (const m of `${command}\n${opts?.stdin ?? ""}`.matchAll(/f='?([^'\s;]+\/env)'?/g)) writes.push(m[1]);
        return exec(command, opts);
      };
      await startDetached(host, path.join(dir, "a"), "echo plain", env, UNFENCED);
      assert.deepStrictEqual(writes, [], "no secrets file for a step that uses none");
      await startDetached(host, path.join(dir, "b"), 'printf %s "$UPCHAIN_SECRET_TOKEN" > /dev/null; sleep 1', env, UNFENCED);
      assert.deepStrictEqual([...new Set(writes)], [path.join(dir, "b/env")]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a step stopped at its deadline leaves no secrets file: the step removes it once read, and the wait removes it whatever happened", async () => {
    const dir = tempDir();
    const step = path.join(dir, "s");
    const host = new LocalHost();
    try {
      await startDetached(host, step, 'test -n "$UPCHAIN_SECRET_PW"\nsleep 30', { UPCHAIN_SECRET_PW: "hunter2" }, UNFENCED);
      const r = await waitForStep(host, step, { pollMs: 50, what: "x", deadlineSeconds: 1, fence: UNFENCED });
      assert.ok(r !== "lost" && r !== "not-started" && r.code === 124, JSON.stringify(r));
      assert.strictEqual(fs.existsSync(path.join(step, "env")), false);
      // and one a step never read (killed before it started) is removed by the wait too
      fs.writeFileSync(path.join(step, "env"), "export UPCHAIN_SECRET_PW='hunter2'\n", { mode: 0o600 });
      await waitForStep(host, step, { pollMs: 50, what: "x", fence: UNFENCED });
      assert.strictEqual(fs.existsSync(path.join(step, "env")), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the sweep at a run's start removes secrets files older than a minute under the step folders, and nothing else", () => {
    const dir = tempDir();
    try {
      const old = path.join(dir, "runs/r1/001-install");
      const fresh = path.join(dir, "runs/r2/001-install");
      for (const d of [old, fresh]) {
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, "env"), "x");
        fs.writeFileSync(path.join(d, "out"), "x");
      }
      const past = new Date(Date.now() - 5 * 60_000);
      fs.utimesSync(path.join(old, "env"), past, past);
      fs.utimesSync(path.join(old, "out"), past, past);
      const r = spawnSync("sh", ["-c", sweepStepEnvScript(dir)], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.deepStrictEqual(
        [fs.existsSync(path.join(old, "env")), fs.existsSync(path.join(old, "out")), fs.existsSync(path.join(fresh, "env"))],
        [false, true, true],
      );
      assert.strictEqual(spawnSync("sh", ["-c", sweepStepEnvScript(path.join(dir, "none"))]).status, 0, "a host with no step folders yet");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
