// A team's state on PostgreSQL: Pulumi's own DIY backend (`postgres://`) against a real PostgreSQL
// server, the real pulumi CLI and real Groupmax upgrades on test hosts. Two controllers (two working
// copies, each with its own PULUMI_HOME, sharing only the database, the stack file and the passphrase
// file, as a team would) run `pulumi up` on one stack at once: Pulumi's stack lock refuses the second;
// the first finishes; the state stays whole; a second stack works alongside; export/import round-trips.
import * as assert from "assert";
import { ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { groupmaxLog, groupmaxState, installGroupmax } from "../support/groupmaxFixture";
import { configureGroupmax, groupmaxOptions } from "../support/groupmaxProject";
import { TestHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PostgresServer, startPostgres } from "../support/postgres";
import { PulumiProject, killTree, runErrors } from "../support/pulumi";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STACK = "site";
const OTHER_STACK = "branch";
const RESCUE_STACK = "rescue";
/** Pulumi's words when a DIY backend's stack is locked (pkg/backend/diy/lock.go, v3.259.0). */
const LOCKED = "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";

describe("a team's state on PostgreSQL: two controllers, one stack, a second stack alongside", function () {
  this.timeout(20 * 60 * 1000);
  const names = ["pg1", "pg2"];
  const extraHosts: string[] = [];
  let pg: PostgresServer;
  let hosts: TestHost[];
  let tmp: string;
  let passphraseFile: string;
  const projects: PulumiProject[] = [];
  const children: ChildProcess[] = [];
  let first: PulumiProject; // controller 1
  let second: PulumiProject; // controller 2: another working copy of the same stack

  /**
   * A working copy of the team's project: the shared database and passphrase file, its own folder and
   * PULUMI_HOME. The database password is in the URL, or (`viaPgPassword`) in PGPASSWORD, which keeps
   * it out of the URL Pulumi prints and stores.
   */
  function workingCopy(stack: string, viaPgPassword = false): PulumiProject {
    const p = new PulumiProject(stack);
    projects.push(p);
    if (viaPgPassword) p.shareState(pg.passwordlessUrl, passphraseFile, { PGPASSWORD: pg.password });
    else p.shareState(pg.url, passphraseFile);
    return p;
  }

  /**
   * The keys of Pulumi's stack locks in its table (`<database>/.pulumi/locks/<org>/<project>/<stack>/<id>.json`:
   * the URL's path, the database's name, prefixes every key).
   */
  const lockKeys = () => pg.sql(`SELECT key FROM pulumi_state WHERE key LIKE '${pg.database}/.pulumi/locks/%' ORDER BY key`).split("\n").filter(Boolean);

  before(async () => {
    requireRoot();
    pg = await startPostgres();
    hosts = startHosts(...names);
    for (const h of hosts) installGroupmax(h, "05-00");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-pg-team-"));
    passphraseFile = path.join(tmp, "passphrase");
    fs.writeFileSync(passphraseFile, randomBytes(24).toString("base64") + "\n", { mode: 0o600 });

    first = workingCopy(STACK);
    first.init();
    configureGroupmax(first, [hosts[0]], groupmaxOptions());
    // The second controller gets the stack file (encryption salt, encrypted key) from the team's
    // repository, here a copy, and selects the stack the first one created in the database.
    second = workingCopy(STACK);
    fs.copyFileSync(first.stackFile, second.stackFile);
    second.ok(["stack", "select", STACK]);
  });
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) killTree(c.pid);
    projects.forEach((p) => p.dispose());
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (hosts) stopHosts(...names, ...extraHosts);
    pg?.stop();
  });

  it("two controllers run `pulumi up` on one stack at once: the second is refused by Pulumi's stack lock, naming the first; the first finishes; a second stack's up runs alongside", async () => {
    const t0 = Date.now();
    const log = path.join(tmp, "first-up.log");
    const run = first.start(["up", "--yes", "--skip-preview"], log);
    children.push(run);
    let ended: number | undefined;
    const exited = new Promise<number>((r) => run.once("exit", (code) => r((ended = code ?? -1))));

    // Wait until the first holds the lock and its upgrade has begun on pg1 (a step of the hop has started).
    const working = () => /\[05-00->06-00 \d+\/\d+\]/.test(fs.readFileSync(log, "utf8"));
    const deadline = Date.now() + 180_000;
    while (!(lockKeys().length === 1 && working())) {
      if (ended !== undefined) assert.fail(first.masked(`the first pulumi up ended (${ended}) before it was seen at work:\n${fs.readFileSync(log, "utf8")}`));
      if (Date.now() > deadline)
        assert.fail(first.masked(`the first pulumi up was not seen at work within 180 s (locks: ${lockKeys().length}):\n${fs.readFileSync(log, "utf8")}`));
      await sleep(250);
    }
    const [lock] = lockKeys();
    assert.match(lock, new RegExp(`^${pg.database}/\\.pulumi/locks/organization/upchain-e2e/${STACK}/[0-9a-f-]{36}\\.json$`));

    const refused = second.run(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(ended, undefined, "the first up was still running when the second was refused: the runs overlapped");
    assert.notStrictEqual(refused.code, 0, second.masked(refused.output));
    assert.ok(refused.output.includes(LOCKED), second.masked(`Pulumi's lock message is missing:\n${refused.output}`));
    // the lock named is the first controller's: the row in the database and the CLI's own pid
    const named = new RegExp(
      `postgres://\\*\\*\\*\\*:\\*\\*\\*\\*@127\\.0\\.0\\.1:${pg.port}/${lock.replace(/\./g, "\\.")}\\?sslmode=disable: created by \\S+@\\S+ \\(pid ${run.pid}\\) at \\d{4}-\\d\\d-\\d\\dT`,
    );
    assert.match(refused.output, named, second.masked(refused.output));
    assert.ok(!refused.output.includes(pg.password), "the database password is masked in Pulumi's message");
    assert.doesNotMatch(refused.output, /LOCKED:|Updating \(/, second.masked("refused before its program ran, not by upchain's host lock"));
    console.log(
      refused.output
        .trim()
        .split("\n")
        .map((l) => `      refused: ${l}`)
        .join("\n"),
    );

    // Locks are per stack: a second stack in the same database (this working copy gives the database
    // password in PGPASSWORD) takes its own lock and updates while the first stack is locked.
    const other = workingCopy(OTHER_STACK, true);
    other.init();
    configureGroupmax(other, [hosts[1]], groupmaxOptions());
    const alongside = other.runAsync(["up", "--yes", "--skip-preview"]);
    let bothLocked = false;
    while (ended === undefined && !bothLocked) {
      bothLocked = lockKeys().length === 2;
      await sleep(250);
    }
    assert.ok(bothLocked, "both stacks were locked at once: the second stack's up ran alongside the first's");
    const code = await exited;
    assert.strictEqual(code, 0, first.masked(runErrors(fs.readFileSync(log, "utf8"))));
    const otherUp = await alongside;
    assert.strictEqual(otherUp.code, 0, other.masked(runErrors(otherUp.output)));
    assert.ok(!otherUp.output.includes(pg.password), "the password in PGPASSWORD is not in the output");
    assert.deepStrictEqual(lockKeys(), [], "every lock was released");
    for (const n of names) {
      const s = groupmaxState(n);
      assert.strictEqual(s.version, "06-00", n);
      assert.deepStrictEqual(s.running, ["objsrv", "address", "server"], `${n} runs its services`);
    }
    const listed = (JSON.parse(first.ok(["stack", "ls", "--json"]).stdout) as { name: string }[]).map((s) => s.name).sort();
    assert.deepStrictEqual(listed, [OTHER_STACK, STACK].sort(), "both stacks are in the database");
    console.log(`      two controllers on PostgreSQL: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it("the state is intact: the export holds pg1 at 06-00, the database holds no plain SSH key, and the other controller's up and refresh find no changes", () => {
    const exported = JSON.parse(second.ok(["stack", "export"]).stdout);
    const resources: { urn: string; type: string; outputs?: Record<string, unknown> }[] = exported.deployment.resources;
    assert.ok(
      resources.some((r) => r.type === "upchain:groupmax:GroupmaxServer" && r.urn.endsWith("::pg1")),
      JSON.stringify(resources.map((r) => r.urn)),
    );
    const server = resources.find((r) => r.type === "pulumi-nodejs:dynamic/upchain:Server" && r.urn.endsWith("::pg1"));
    assert.strictEqual(server?.outputs?.installedVersion, "06-00", JSON.stringify(server?.outputs ?? resources.map((r) => r.type)).slice(0, 3000));
    assert.ok(!resources.some((r) => r.urn.endsWith("::pg2")), "the other stack's server is not in this stack");
    // the key is a secret: the database holds its ciphertext, never a line of the key itself
    const keyLines = privateKey(hosts[0])
      .split("\n")
      .filter((l) => l.length > 40);
    assert.ok(keyLines.length > 0);
    const table = pg.sql("SELECT key || ' ' || data::text FROM pulumi_state");
    assert.ok(table.includes("upchain-e2e/site.json"), "the stack's checkpoint is in the table");
    assert.ok(!keyLines.some((l) => table.includes(l)), "no line of the SSH private key is in the database");
    second.ok(["up", "--yes", "--expect-no-changes"]);
    second.ok(["refresh", "--yes", "--expect-no-changes"]);
  });

  it("`pulumi stack export` then `pulumi stack import` round-trips: the same deployment, only the secrets' ciphertexts renewed", () => {
    const exportTo = (name: string, showSecrets = false) => {
      const file = path.join(tmp, name);
      second.ok(["stack", "export", "--file", file, ...(showSecrets ? ["--show-secrets"] : [])]);
      return { file, json: JSON.parse(fs.readFileSync(file, "utf8")) };
    };
    const before = exportTo("before.json");
    const beforePlain = exportTo("before-plain.json", true);
    second.ok(["stack", "import", "--file", before.file]);
    const after = exportTo("after.json");
    const afterPlain = exportTo("after-plain.json", true);

    // Decrypted, the deployment is the same, to the manifest's time and the salt.
    assert.deepStrictEqual(afterPlain.json, beforePlain.json);
    // Encrypted, only the ciphertexts differ: import decrypts and encrypts each secret again, and the
    // passphrase provider's AES-GCM takes a fresh nonce every time.
    const ciphertexts = (j: unknown) => JSON.stringify(j).match(/"ciphertext":"[^"]*"/g) ?? [];
    const blanked = (j: unknown) => JSON.parse(JSON.stringify(j).replace(/"ciphertext":"[^"]*"/g, '"ciphertext":""'));
    assert.ok(ciphertexts(before.json).length > 0, "the state holds secrets (the SSH key), so the round trip covers them");
    assert.strictEqual(ciphertexts(after.json).length, ciphertexts(before.json).length);
    assert.deepStrictEqual(blanked(after.json), blanked(before.json));
    second.ok(["preview", "--expect-no-changes"]);
  });
  it("a controller killed mid-upgrade leaves its stack lock: the other is refused until `pulumi cancel`, then its up resumes upchain's run on the host and finishes it", async () => {
    const rescueHost = startHosts("pg3")[0];
    extraHosts.push("pg3");
    installGroupmax(rescueHost, "05-00");
    const a = workingCopy(RESCUE_STACK);
    a.init();
    configureGroupmax(a, [rescueHost], groupmaxOptions());
    const b = workingCopy(RESCUE_STACK);
    fs.copyFileSync(a.stackFile, b.stackFile);
    const log = path.join(tmp, "killed-up.log");
    const run = a.start(["up", "--yes", "--skip-preview"], log);
    children.push(run);
    // killed once the hop has changed the host: its services stopped, a step under way
    const deadline = Date.now() + 180_000;
    while (!/\[05-00->06-00 [4-9]\/\d+\]/.test(fs.readFileSync(log, "utf8"))) {
      if (Date.now() > deadline || run.exitCode !== null) assert.fail(a.masked(`the up was not seen at its fourth step:\n${fs.readFileSync(log, "utf8")}`));
      await sleep(100);
    }
    killTree(run.pid!);
    const rescueLocks = () => lockKeys().filter((k) => k.includes(`/${RESCUE_STACK}/`));
    assert.strictEqual(rescueLocks().length, 1, "the killed controller's lock is left in the database");

    b.ok(["stack", "select", RESCUE_STACK]);
    const refused = b.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(refused.code, 0);
    assert.ok(refused.output.includes(LOCKED), b.masked(refused.output));
    assert.match(refused.output, new RegExp(`\\(pid ${run.pid}\\)`), "naming the dead controller's pid, for the operator to check it is gone");

    b.ok(["cancel", "--yes"]);
    assert.deepStrictEqual(rescueLocks(), [], "pulumi cancel removed the lock");
    const resumed = b.run(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(resumed.code, 0, b.masked(runErrors(resumed.output)));
    assert.match(
      resumed.output,
      /resuming run \S+: 05-00 -> 06-00|in flight when the last run was interrupted|left running by the interrupted run/,
      b.masked("upchain's journal on the host carried the run on"),
    );
    const state = groupmaxState(rescueHost.name);
    assert.strictEqual(state.version, "06-00");
    assert.deepStrictEqual(state.running, ["objsrv", "address", "server"]);
    const installs = groupmaxLog(rescueHost.name).filter((e) => /^install object/.test(e));
    assert.strictEqual(installs.length, 1, `Object Server installed once: ${installs.join(", ")}`);
    b.ok(["up", "--yes", "--expect-no-changes"]);
  });
});
