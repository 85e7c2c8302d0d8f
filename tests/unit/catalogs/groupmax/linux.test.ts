// Groupmax's Linux recipes keep their restore points private and never delete one: the commands that
// write in the backup directory are run here, in a temp dir, under a permissive umask.
import * as assert from "assert";
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { groupmax } from "../../../../providers/catalogs/groupmax";
import { PlanContext } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { quote as q } from "../../../../providers/quote";
import { tempDir } from "../../../support/localHost";

const installers = { objectServer: "true", addressServer: "true", mailServer: "true" };
/** The site's commands, all through one control script `ctl` (the test's stand-in for a site's). */
function siteCommands(ctl: string) {
  const c = (...a: string[]) => [q(ctl), ...a].join(" ");
  const svc = (n: string) => ({ start: c("start", n), stop: c("stop", n), status: c("status", n) });
  return {
    objectServer: svc("objsrv"),
    address: svc("address"),
    server: svc("server"),
    console: svc("console"),
    autostart: { isOn: c("is-on"), off: c("autostart", "off"), on: c("autostart", "on") },
  };
}
const site = (root: string, installDir: string, ctl: string) => ({
  installers,
  installDirs: [installDir],
  journalDir: false,
  commands: siteCommands(ctl),
  servicesFile: path.join(root, "services"),
});
const mode = (p: string) => fs.statSync(p).mode & 0o777;
/** A step's commands as the executor runs them (one sh script, set -e), under umask 000. */
const run = (commands: string[]) => spawnSync("sh", ["-c", `umask 000\nset -e\n${commands.join("\n")}`], { encoding: "utf8" });

describe("Groupmax on Linux: private restore points that are never deleted", function () {
  this.timeout(30_000); // runs tar and sh, slow on a busy machine
  let dir: string;
  let options: Record<string, unknown>;
  beforeEach(() => {
    dir = tempDir("upchain-groupmax-backup-");
    const installDir = path.join(dir, "opt", "group max's");
    const ctl = path.join(dir, "site ctl");
    options = { ...site(dir, installDir, ctl), databasePaths: [path.join(dir, "db")], backupDir: path.join(dir, "backups", "groupmax") };
    fs.mkdirSync(path.join(installDir, "bin"), { recursive: true });
    // the site's control: autostart is on, everything else succeeds; each call is logged, and a copy
    // of the database file is taken at each call (to see what ran while Object Server was stopped)
    // a file fail-<op>-<service> in dir makes that operation fail (exit 3)
    fs.writeFileSync(ctl, `#!/bin/sh\necho "$*" >> ${q(path.join(dir, "ctl.log"))}\nif [ -e ${q(dir)}/"fail-$1-$2" ]; then exit 3; fi\nexit 0\n`, {
      mode: 0o755,
    });
    fs.mkdirSync(path.join(dir, "db"));
    fs.writeFileSync(path.join(dir, "db", "address.db"), "data", { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "services"), "imap 143/tcp\n", { mode: 0o644 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const steps = () => planUpgrade(groupmax, { installed: "03-00", target: "06-00", platform: "linux", options }).steps;
  const step = (id: string) => steps().find((s) => s.id === id)!;
  const backups = () => String(options.backupDir);

  it("auto-start off, the backup and the Version 6 backup leave a 0700 folder of 0600 files", () => {
    for (const id of ["autostart-off", "backup", "backup-v6"]) {
      const r = run(step(id).commands);
      assert.strictEqual(r.status, 0, `${id}: ${r.stderr}`);
    }
    assert.strictEqual(mode(path.join(dir, "backups")), 0o700);
    assert.strictEqual(mode(backups()), 0o700);
    const files = fs.readdirSync(backups()).sort();
    assert.ok(files.includes("autostart-before-06-00") && files.includes("03-00-before-06-00.current"), files.join(", "));
    assert.strictEqual(files.filter((f) => f.endsWith(".tar.gz")).length, 2, files.join(", "));
    assert.strictEqual(files.filter((f) => f.endsWith(".sha256")).length, 2, files.join(", "));
    for (const f of files) assert.strictEqual(mode(path.join(backups(), f)), 0o600, f);
  });

  it("the Version 6 backup stops the server, the address service and Object Server before the copy, then starts them again", () => {
    const r = run(step("backup-v6").commands);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, "ctl.log"), "utf8").trim().split("\n"), [
      "stop server",
      "stop address",
      "stop objsrv",
      "start objsrv",
      "start address",
      "start server",
    ]);
  });

  it("a Version 6 backup whose copy fails still starts Object Server, the address service and the server again, then fails", () => {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "tar"), "#!/bin/sh\necho 'tar: disk full' >&2\nexit 2\n", { mode: 0o755 });
    const r = run([`PATH=${bin}:$PATH`, ...step("backup-v6").commands]);
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /the Version 6 backup failed \(exit 2\); the services were started again/);
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, "ctl.log"), "utf8").trim().split("\n").slice(-3), ["start objsrv", "start address", "start server"]);
  });

  it("a Version 6 backup whose Object Server does not start again still starts the address service and the server, then fails naming Object Server", () => {
    fs.writeFileSync(path.join(dir, "fail-start-objsrv"), "");
    const r = run(step("backup-v6").commands);
    assert.notStrictEqual(r.status, 0, "the step fails: the warning must not say the services run");
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, "ctl.log"), "utf8").trim().split("\n").slice(-3), ["start objsrv", "start address", "start server"]);
    assert.match(
      r.stderr,
      /after the Version 6 backup \(exit 0\) these did not start again: Object Server \(options\.commands\.objectServer\.start\); start them/,
    );
    assert.doesNotMatch(r.stderr, /the address service|the server \(/, "only the one that failed is named");
  });

  it("a Version 6 backup whose copy fails and whose address service does not start again names both, having tried every start", () => {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "tar"), "#!/bin/sh\necho 'tar: disk full' >&2\nexit 2\n", { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "fail-start-address"), "");
    const r = run([`PATH=${bin}:$PATH`, ...step("backup-v6").commands]);
    assert.notStrictEqual(r.status, 0);
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, "ctl.log"), "utf8").trim().split("\n").slice(-3), ["start objsrv", "start address", "start server"]);
    assert.match(
      r.stderr,
      /after the Version 6 backup \(exit 2\) these did not start again: the address service \(options\.commands\.address\.start\); start them/,
    );
  });

  it("recovering after a failed hop starts the address service and the server even when Object Server does not start, then fails naming it", () => {
    fs.writeFileSync(path.join(dir, "fail-start-objsrv"), "");
    const hop = planUpgrade(groupmax, { installed: "03-00", target: "06-00", platform: "linux", options }).hops[0];
    const recover = groupmax.recoverSteps!(hop, { platform: "linux", releases: ["06-00"], options }).find((s) => s.id === "recover-services")!;
    const r = run(recover.commands);
    assert.notStrictEqual(r.status, 0);
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, "ctl.log"), "utf8").trim().split("\n"), ["start objsrv", "start address", "start server"]);
    assert.match(r.stderr, /these did not start again: Object Server \(options\.commands\.objectServer\.start\); start them/);
  });

  it("a restore after the journal files were cleared puts the old version's journal files back, and drops what the new version wrote there", () => {
    const journal = path.join(dir, "var", "journal's");
    fs.mkdirSync(journal, { recursive: true });
    fs.writeFileSync(path.join(journal, "master.jnl"), "old journal");
    options.journalDir = journal;
    for (const id of ["backup", "clear-journal"]) {
      const r = run(step(id).commands);
      assert.strictEqual(r.status, 0, `${id}: ${r.stderr}`);
    }
    assert.deepStrictEqual(fs.readdirSync(journal), [], "clear-journal deleted the journal files");
    fs.writeFileSync(path.join(journal, "new.jnl"), "written by the new version");
    const hop = planUpgrade(groupmax, { installed: "03-00", target: "06-00", platform: "linux", options }).hops[0];
    const restore = groupmax.restoreSteps(hop, { platform: "linux", releases: ["06-00"], options });
    const r = run(restore.flatMap((s) => s.commands));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(journal), ["master.jnl"]);
    assert.strictEqual(fs.readFileSync(path.join(journal, "master.jnl"), "utf8"), "old journal");
  });

  it("a pointer an earlier attempt left 0644 is replaced by a 0600 one naming the new archive", () => {
    fs.mkdirSync(backups(), { recursive: true });
    const pointer = path.join(backups(), "03-00-before-06-00.current");
    fs.writeFileSync(pointer, "/old/archive\n", { mode: 0o644 });
    assert.strictEqual(run(step("backup").commands).status, 0);
    assert.strictEqual(mode(pointer), 0o600);
    const archive = fs.readFileSync(pointer, "utf8").trim();
    assert.match(path.basename(archive), /^03-00-before-06-00\.\d{8}T\d{6}\.tar\.gz$/);
    assert.ok(fs.existsSync(archive));
  });

  it("a backup run twice in the same second writes a second archive beside the first, deleting none", () => {
    // a `date` that always answers the same second makes the two names collide
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "date"), "#!/bin/sh\necho 20260101T000000\n", { mode: 0o755 });
    const commands = step("backup").commands;
    const r = run([`PATH=${bin}:$PATH`, ...commands, ...commands]);
    assert.strictEqual(r.status, 0, r.stderr);
    const archives = fs
      .readdirSync(backups())
      .filter((f) => f.endsWith(".tar.gz"))
      .sort();
    assert.deepStrictEqual(archives, ["03-00-before-06-00.20260101T000000-1.tar.gz", "03-00-before-06-00.20260101T000000.tar.gz"]);
    for (const a of archives) assert.strictEqual(spawnSync("sha256sum", ["-c", `${a}.sha256`], { cwd: backups() }).status, 0, a);
    assert.strictEqual(
      fs.readFileSync(path.join(backups(), "03-00-before-06-00.current"), "utf8").trim(),
      path.join(backups(), archives[0]),
      "the pointer names the newest",
    );
  });

  it("an archive that does not read back fails the backup and no pointer names it", () => {
    // a tar whose listing fails: the archive written is not one the restore could read
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const realTar = spawnSync("sh", ["-c", "command -v tar"], { encoding: "utf8" }).stdout.trim();
    fs.writeFileSync(path.join(bin, "tar"), `#!/bin/sh\nif [ "$1" = -tzf ]; then exit 2; fi\nexec ${realTar} "$@"\n`, { mode: 0o755 });
    const r = run([`PATH=${bin}:$PATH`, ...step("backup").commands]);
    assert.notStrictEqual(r.status, 0, "the backup step must fail");
    assert.ok(!fs.existsSync(path.join(backups(), "03-00-before-06-00.current")), "no restore point is named");
    assert.deepStrictEqual(
      fs.readdirSync(backups()).filter((f) => f.endsWith(".sha256")),
      [],
    );
  });

  it("no recipe removes anything in the backup directory but the saved auto-start setting, and every rm -rf has --", () => {
    const hop = planUpgrade(groupmax, { installed: "03-00", target: "06-00", platform: "linux", options }).hops[0];
    const ctx: PlanContext = { platform: "linux", releases: ["06-00"], options };
    const all = [...steps(), ...groupmax.restoreSteps(hop, ctx), ...groupmax.recoverSteps!(hop, ctx)];
    const removals = all.flatMap((s) => s.commands.flatMap((c) => c.match(/\brm -\w+ [^;]*/g) ?? []));
    assert.ok(removals.length >= 3, removals.join("\n"));
    for (const rm of removals) {
      assert.match(rm, /^rm -(rf|f) -- /, rm);
      if (rm.includes(backups())) assert.match(rm, /\/autostart-before-06-00'?$/, `removes something in the backup directory: ${rm}`);
    }
  });
});

describe("Groupmax on Linux: hostile database and backup paths (fast-check)", function () {
  this.timeout(120_000); // 200 backups and restores through tar
  // quotes, $(), backticks, newlines, NUL, "..", a leading "-", long names, look-alikes of / and .
  const piece = fc.oneof(
    fc.constantFrom(
      "'",
      '"',
      "$(touch pwned)",
      "`touch pwned`",
      "\n",
      "\0",
      "..",
      ".",
      "",
      "-rf",
      "--",
      " ",
      "$HOME",
      ";",
      "*",
      "\u2215",
      "\uff0e\uff0e",
      "\u202e",
      "\\",
    ),
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constant("x".repeat(200)),
  );
  let dir: string;
  let cwd: string;
  before(() => {
    dir = tempDir("upchain-hostile-db-");
    cwd = tempDir("upchain-hostile-cwd-");
  });
  after(() => [dir, cwd].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("each value is refused at its field, or backed up (into a hostile backupDir too) and restored at exactly that path, touching nothing else", () => {
    let refused = 0;
    let restored = 0;
    let n = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.array(piece, { minLength: 1, maxLength: 2 }), (pieces, backupPieces) => {
        const root = path.join(dir, String(n++));
        const db = root + "/db/" + pieces.join("/");
        const backupDir = root + "/backups/" + backupPieces.join("/");
        const options = { ...site(root, path.join(root, "gm"), "true"), databasePaths: [db], backupDir };
        const found = groupmax.optionProblems!({ platform: "linux", releases: ["06-00"], options });
        if (found.length) {
          refused++;
          return found.every((p) => p.path === "options.databasePaths[0]" || p.path === "options.backupDir");
        }
        fs.mkdirSync(path.join(root, "gm", "bin"), { recursive: true });
        fs.writeFileSync(path.join(root, "services"), "");
        fs.writeFileSync(path.join(root, "sentinel"), "keep");
        fs.mkdirSync(db, { recursive: true });
        fs.writeFileSync(path.join(db, "data"), "before");
        const p = planUpgrade(groupmax, { installed: "05-00", target: "06-00", platform: "linux", options });
        const backup = spawnSync("sh", ["-c", `set -e\n${p.steps.find((x) => x.id === "backup")!.commands.join("\n")}`], { cwd, encoding: "utf8" });
        if (backup.status !== 0) throw new Error(backup.stderr);
        fs.writeFileSync(path.join(db, "data"), "after");
        fs.writeFileSync(path.join(db, "extra"), "added by the hop");
        const ctx: PlanContext = { platform: "linux", releases: ["06-00"], options };
        const restore = spawnSync("sh", ["-c", `set -e\n${groupmax.restoreSteps(p.hops[0], ctx)[0].commands.join("\n")}`], { cwd, encoding: "utf8" });
        if (restore.status !== 0) throw new Error(restore.stderr);
        restored++;
        return (
          fs.readFileSync(path.join(db, "data"), "utf8") === "before" &&
          !fs.existsSync(path.join(db, "extra")) &&
          fs.readFileSync(path.join(root, "sentinel"), "utf8") === "keep" &&
          fs.readdirSync(cwd).length === 0
        );
      }),
      { numRuns: 200 },
    );
    assert.ok(refused > 20 && restored > 20, `both outcomes exercised: ${refused} refused, ${restored} restored`);
  });
});
