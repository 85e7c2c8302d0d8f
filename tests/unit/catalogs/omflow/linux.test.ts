// OMFLOW's Linux recipes: a backup that is private and never deletes an earlier restore point, a
// restore that uses only a complete one, `--` before every rm -rf operand, and every command parses
// with hostile paths. The backup commands are run here, in a temp dir, as the lead's LocalHost would.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { PlanContext, stepOfAction } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { tempDir } from "../../../support/localHost";
import { runPatchCommands } from "../../../../providers/catalogs/omflow/linux";

const plan = (options: Record<string, unknown>, from = "1.1.6.1", to = "1.2.0.1") =>
  planUpgrade(omflow, { installed: from, target: to, platform: "linux", options });
const ctx = (options: Record<string, unknown>): PlanContext => ({ platform: "linux", releases: omflow.defaultReleases, options });
const mode = (p: string) => fs.statSync(p).mode & 0o777;
/** Run a step's commands as the executor does (one sh script, set -e), under a permissive umask. */
const run = (commands: string[]) => spawnSync("sh", ["-c", `umask 000\nset -e\n${commands.join("\n")}`], { encoding: "utf8" });

describe("OMFLOW on Linux: the backup is private and never deletes a restore point", function () {
  this.timeout(30_000); // runs tar and sh, slow on a busy machine
  let dir: string;
  let options: Record<string, string>;
  beforeEach(() => {
    dir = tempDir("upchain-omflow-backup-");
    // a backslash, a wildcard and a quote: tar must take the names literally
    options = {
      installDir: path.join(dir, "opt", "om flow's \\a [x]*"),
      apacheSiteConf: path.join(dir, "etc", "django.conf"),
      backupDir: path.join(dir, "backups", "omflow"),
      databaseBackup: `echo "the database" > "$UPCHAIN_BACKUP_DIR/db.dump"`,
    };
    fs.mkdirSync(path.join(options.installDir, "python"), { recursive: true });
    fs.mkdirSync(path.join(options.installDir, "tmp"));
    fs.writeFileSync(path.join(options.installDir, "tmp", "upload-in-progress"), "x");
    fs.writeFileSync(path.join(options.installDir, "VERSION"), "1.1.6.1\n");
    fs.mkdirSync(path.dirname(options.apacheSiteConf));
    fs.writeFileSync(options.apacheSiteConf, "LoadModule wsgi_module /x.so\n", { mode: 0o644 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // the restore point is the files (backup) and the database (backup-database, which marks it complete)
  const backup = () => ({
    commands: plan(options, "1.1.6.1", "1.1.6.3")
      .steps.filter((s) => s.id === "backup" || s.id === "backup-database")
      .flatMap((s) => s.commands),
  });
  const hopDir = () => path.join(options.backupDir, "1.1.6.1-to-1.1.6.3");

  it("run under umask 000, every folder it creates is 0700 and every file in it 0600", () => {
    const r = run(backup().commands);
    assert.strictEqual(r.status, 0, r.stderr);
    for (const d of [path.join(dir, "backups"), options.backupDir, hopDir()]) assert.strictEqual(mode(d), 0o700, d);
    const files = fs.readdirSync(hopDir()).sort();
    assert.deepStrictEqual(files, ["apache-site.conf", "apache-site.conf.mode", "complete", "db.dump", "install.tgz"]);
    for (const f of files) assert.strictEqual(mode(path.join(hopDir(), f)), 0o600, f);
  });

  it("a failed hop's restore brings the install folder's tmp back with the rest, since the restore empties the folder first", () => {
    assert.strictEqual(run(backup().commands).status, 0);
    const listing = spawnSync("tar", ["-tzf", path.join(hopDir(), "install.tgz")], { encoding: "utf8" }).stdout;
    assert.match(listing, /VERSION\n/);
    assert.match(listing, /tmp\/upload-in-progress\n/);
    const restore = omflow.restoreSteps(plan(options, "1.1.6.1", "1.1.6.3").hops[0], ctx(options))[0];
    const emptyThenExtract = restore.commands.filter((c) => c.startsWith("rm -rf") || c.startsWith("tar "));
    assert.strictEqual(emptyThenExtract.length, 2);
    const r = run(emptyThenExtract);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(fs.readFileSync(path.join(options.installDir, "VERSION"), "utf8"), "1.1.6.1\n");
    assert.strictEqual(fs.readFileSync(path.join(options.installDir, "tmp", "upload-in-progress"), "utf8"), "x");
  });

  it("a second attempt moves the first restore point aside (kept whole, 0700) instead of deleting it", () => {
    assert.strictEqual(run(backup().commands).status, 0);
    fs.writeFileSync(path.join(hopDir(), "marker-of-attempt-1"), "1");
    fs.chmodSync(hopDir(), 0o755); // as an older upchain left it
    const r = run(backup().commands);
    assert.strictEqual(r.status, 0, r.stderr);
    const aside = fs.readdirSync(options.backupDir).filter((n) => n.startsWith("1.1.6.1-to-1.1.6.3."));
    assert.strictEqual(aside.length, 1, fs.readdirSync(options.backupDir).join(", "));
    assert.match(aside[0], /^1\.1\.6\.1-to-1\.1\.6\.3\.\d{8}T\d{6}Z\.\d+$/);
    const kept = path.join(options.backupDir, aside[0]);
    assert.ok(
      fs.existsSync(path.join(kept, "marker-of-attempt-1")) && fs.existsSync(path.join(kept, "install.tgz")) && fs.existsSync(path.join(kept, "complete")),
    );
    assert.strictEqual(mode(kept), 0o700);
    assert.ok(!fs.existsSync(path.join(hopDir(), "marker-of-attempt-1")), "this attempt's restore point is a new one");
    assert.ok(fs.existsSync(path.join(hopDir(), "complete")));
    assert.match(r.stdout, /kept the earlier restore point as /);
  });

  it("the restore puts the Apache config back with its own mode and owner, not the backup copy's 0600", () => {
    fs.chmodSync(options.apacheSiteConf, 0o640);
    assert.strictEqual(run(backup().commands).status, 0);
    fs.writeFileSync(options.apacheSiteConf, "changed by the hop\n");
    fs.chmodSync(options.apacheSiteConf, 0o600);
    const restore = omflow.restoreSteps(plan(options, "1.1.6.1", "1.1.6.3").hops[0], ctx(options))[0];
    const putBack = restore.commands.find((c) => c.includes("apache-site.conf.mode"))!;
    const r = run([putBack]);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(fs.readFileSync(options.apacheSiteConf, "utf8"), "LoadModule wsgi_module /x.so\n");
    assert.strictEqual(mode(options.apacheSiteConf), 0o640);
  });
});

describe("OMFLOW on Linux: rendered commands", function () {
  this.timeout(30_000); // runs tar and sh, slow on a busy machine
  const hostile = { installDir: "/opt/om flow's $(touch x) `y`", backupDir: "/var/back ups/'q'", apacheSiteConf: '/etc/apache2/it\'s "site".conf' };
  const all = () => {
    const p = plan(hostile);
    return [...p.steps, ...p.hops.flatMap((h) => omflow.restoreSteps(h, ctx(hostile)))];
  };

  it("no step removes a backup: nothing but rm -rf of the work folder, the old venv and the install folder's contents", () => {
    const removals = all().flatMap((s) => s.commands.filter((c) => /\brm\b/.test(c)).map((c) => `${s.id}: ${c}`));
    assert.ok(removals.length >= 3, removals.join("\n"));
    for (const r of removals) assert.ok(!r.includes("back ups"), `removes something in the backup directory: ${r}`);
    assert.ok(!backupCommands().some((c) => /\brm\b/.test(c)), "the backup step removes nothing");
  });
  const backupCommands = () =>
    all()
      .filter((s) => s.id === "backup")
      .flatMap((s) => s.commands);

  it("every rm -rf has -- before its operands", () => {
    const rms = all().flatMap((s) => s.commands.flatMap((c) => c.match(/rm -rf \S+/g) ?? []));
    assert.ok(rms.length >= 3);
    for (const rm of rms) assert.strictEqual(rm, "rm -rf --");
  });

  it("the backup runs under umask 077 and the restore starts by requiring the complete marker", () => {
    assert.match(backupCommands()[0], /^set -e; umask 077; /);
    const restore = all().filter((s) => s.id === "restore")[0].commands;
    assert.match(restore[0], /^set -e; test -f '\/var\/back ups\/'\\''q'\\''\/1\.1\.6\.1-to-1\.2\.0\.0\/complete'$/);
  });

  it("every command of every step parses (sh -n) with hostile paths", () => {
    for (const s of all().filter((x) => x.commands.length)) {
      const r = spawnSync("sh", ["-n", "-c", s.commands.join("\n")], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, `${s.id} does not parse: ${r.stderr}\n${s.commands.join("\n")}`);
    }
    assert.notStrictEqual(
      spawnSync("sh", ["-n", "-c", `cat ${hostile.installDir}/VERSION`]).status,
      0,
      "the raw value does not parse, so the check is not vacuous",
    );
  });
});

describe("OMFLOW on Linux: patch.sh runs as the document says, from its own folder, honouring its shebang", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir("upchain-omflow-patch-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const patch = (body: string, mode: number) => {
    const folder = path.join(dir, "omflow_patch_1_1_6_4_upgrade4");
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "patch.sh"), body);
    fs.chmodSync(path.join(folder, "patch.sh"), mode);
    fs.writeFileSync(path.join(dir, "patchdir"), folder + "\n");
    return run(runPatchCommands(path.join(dir, "patchdir")));
  };
  const bashOnly = '#!/bin/bash\nfiles=(a b c)\necho "ran ${#files[@]} from $(basename "$PWD")"\n';
  const cases: { name: string; body: string; mode: number; status: number; out: RegExp }[] = [
    {
      name: "a #!/bin/bash patch with an array runs under bash (sh would fail on the parenthesis)",
      body: bashOnly,
      mode: 0o755,
      status: 0,
      out: /^ran 3 from omflow_patch_1_1_6_4_upgrade4$/m,
    },
    {
      name: "a bash patch without the execute bit runs with the interpreter its #! line names",
      body: bashOnly,
      mode: 0o644,
      status: 0,
      out: /no execute bit: running it with its #! interpreter: ?\/bin\/bash\nran 3/,
    },
    {
      name: "a patch without the execute bit and without a #! line is refused, saying why",
      body: "echo hi\n",
      mode: 0o644,
      status: 1,
      out: /no execute bit and no #! line/,
    },
    { name: "a failing patch fails the step with its own exit code", body: "#!/bin/sh\nexit 7\n", mode: 0o755, status: 7, out: /^$/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = patch(c.body, c.mode);
      assert.strictEqual(r.status, c.status, r.stderr + r.stdout);
      assert.match(c.status === 0 ? r.stdout : r.stderr + r.stdout, c.out);
    });
  }

  it("sh would fail on the bash-only patch, so the case above is not vacuous", () => {
    fs.writeFileSync(path.join(dir, "p.sh"), bashOnly);
    assert.notStrictEqual(spawnSync("sh", [path.join(dir, "p.sh")]).status, 0);
  });
});

describe("OMFLOW on Linux: the patch is extracted in a private folder outside the install tree", function () {
  this.timeout(30_000);
  const hop = { from: "1.1.6.1", to: "1.1.6.3", rule: omflow.legalHops("1.1.6.1", ctx({}))[0].rule };
  const steps = () => omflow.hopSteps(hop, ctx({ patches: { "1.1.6.3": "/srv/omflow_patch_1_1_6_4_upgrade3.tar.gz" } }));

  it("the upload, the extraction and the patch folder are under /tmp/upchain-omflow, not under the install folder", () => {
    const upload = stepOfAction(
      steps().find((s) => s.id === "upload-patch")!,
      "upload",
    );
    assert.strictEqual(upload.destination, "/tmp/upchain-omflow/1.1.6.1-to-1.1.6.3/omflow_patch_1_1_6_4_upgrade3.tar.gz");
    const extract = steps()
      .find((s) => s.id === "extract-patch")!
      .commands.join("\n");
    assert.ok(!extract.includes("/opt/omflow"), extract);
    const work = steps()
      .find((s) => s.id === "work-folder")!
      .commands.join("\n");
    assert.match(work, /mkdir -m 0700 -- \/tmp\/upchain-omflow\/1\.1\.6\.1-to-1\.1\.6\.3/);
    assert.match(work, /is a link or not root/);
  });

  const extractCases: { name: string; layout: string[]; status: number; found?: string }[] = [
    {
      name: "a folder not named after the archive (upgrade3.tar.gz holding upgrade4/) is found",
      layout: ["omflow_patch_1_1_6_4_upgrade4/patch.sh"],
      status: 0,
      found: "omflow_patch_1_1_6_4_upgrade4",
    },
    { name: "a patch.sh at the archive's top is found", layout: ["patch.sh"], status: 0, found: "" },
    { name: "an archive with two patch.sh folders is refused", layout: ["a/patch.sh", "b/patch.sh"], status: 1 },
    { name: "an archive without patch.sh is refused", layout: ["a/readme.txt"], status: 1 },
  ];
  for (const c of extractCases) {
    it(c.name, () => {
      const dir = tempDir("upchain-omflow-extract-");
      try {
        const src = path.join(dir, "src");
        for (const f of c.layout) {
          fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
          fs.writeFileSync(path.join(src, f), "#!/bin/sh\n");
        }
        const archive = path.join(dir, "omflow_patch_1_1_6_4_upgrade3.tar.gz");
        spawnSync("tar", ["-czf", archive, "-C", src, "."]);
        const work = path.join(dir, "work");
        fs.mkdirSync(work);
        const commands = steps()
          .find((s) => s.id === "extract-patch")!
          .commands.map((cmd) =>
            cmd
              .split("/tmp/upchain-omflow/1.1.6.1-to-1.1.6.3/omflow_patch_1_1_6_4_upgrade3.tar.gz")
              .join(archive)
              .split("/tmp/upchain-omflow/1.1.6.1-to-1.1.6.3")
              .join(work),
          );
        const r = run(commands);
        assert.strictEqual(r.status, c.status, r.stderr);
        if (c.found !== undefined)
          assert.strictEqual(path.relative(path.join(work, "x"), fs.readFileSync(path.join(work, "patchdir"), "utf8").trim()).replace(/^\.$/, ""), c.found);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("OMFLOW on Linux: success is the document's criterion, the service runs", () => {
  it("start is `the site's running check || omflow_server start` and verify is the site's running check, since 001 never says what status answers", () => {
    const p = plan({ runningCheck: "systemctl is-active --quiet omflow" }, "1.1.6.1", "1.1.6.3");
    const check = "(\nexport UPCHAIN_BACKUP_DIR=/var/backups/upchain/omflow/1.1.6.1-to-1.1.6.3\ncd /\nsystemctl is-active --quiet omflow\n)";
    assert.deepStrictEqual(p.steps.find((s) => s.id === "start")!.commands, [`${check} || /opt/omflow/server/omflow_server start`]);
    assert.deepStrictEqual(p.steps.find((s) => s.id === "verify")!.commands, [check]);
    assert.deepStrictEqual(p.steps.find((s) => s.id === "verify")!.provenance, {
      kind: "site",
      field: "options.runningCheck",
      note: (p.steps.find((s) => s.id === "verify")!.provenance as { note: string }).note,
    });
  });

  it("the backup asks the site's running check whether OMFLOW runs, never omflow_server status", () => {
    const p = plan({ runningCheck: "systemctl is-active --quiet omflow" }, "1.1.6.1", "1.1.6.3");
    const backup = p.steps.find((s) => s.id === "backup")!.commands.join("\n");
    assert.match(backup, /if \(\nexport UPCHAIN_BACKUP_DIR=[^\n]*\ncd \/\nsystemctl is-active --quiet omflow\n\) >\/dev\/null 2>&1; then touch/);
    assert.doesNotMatch(backup, /omflow_server status/);
  });

  it("the steps of a bugfix hop, in order", () => {
    assert.deepStrictEqual(
      plan({}, "1.1.6.1", "1.1.6.3").steps.map((s) => s.id),
      ["backup", "backup-database", "start-after-backup", "work-folder", "upload-patch", "extract-patch", "run-patch", "start", "verify"],
    );
  });
});
