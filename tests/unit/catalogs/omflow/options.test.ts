// OMFLOW's options are checked before anything runs: every path absolute and normalised for its
// platform, the backup directory apart from what it backs up, unknown keys refused with the near
// name, wrong types in words, all at once, and never as a raw ZodError.
import * as assert from "assert";
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { PlanContext, Platform } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { tempDir } from "../../../support/localHost";

const ctx = (options: unknown, platform: Platform = "linux"): PlanContext => ({
  platform,
  releases: omflow.defaultReleases,
  options: options as Record<string, unknown>,
});
const problems = (options: unknown, platform: Platform = "linux") => omflow.optionProblems!(ctx(options, platform));
const paths = (options: unknown, platform: Platform = "linux") => problems(options, platform).map((p) => p.path);

describe("OMFLOW options: paths", () => {
  for (const installDir of ["", "/", "..", "opt/omflow", "/opt/omflow/", "/opt/../omflow", "/opt/om\nflow"]) {
    it(`installDir ${JSON.stringify(installDir)} is refused at options.installDir`, () => {
      const p = problems({ installDir });
      assert.deepStrictEqual(
        p.map((x) => x.path),
        ["options.installDir"],
      );
      assert.match(p[0].message, /empty|absolute|root folder|normalised|control character/);
    });
  }

  it("an install folder that is a system folder is refused on both platforms: the restore empties it", () => {
    assert.match(problems({ installDir: "/usr" })[0].message, /"\/usr" is a folder of the system itself/);
    assert.deepStrictEqual(paths({ windowsInstallDir: "C:\\Windows" }, "windows"), ["options.windowsInstallDir"]);
  });

  it("apacheSiteConf and backupDir are POSIX paths, windowsInstallDir a Windows one", () => {
    assert.deepStrictEqual(paths({ apacheSiteConf: "sites/django.conf", backupDir: "/var/backups//omflow", windowsInstallDir: "C:\\" }), [
      "options.apacheSiteConf",
      "options.backupDir",
      "options.windowsInstallDir",
    ]);
    assert.deepStrictEqual(paths({ windowsInstallDir: "D:\\Apps\\OMFLOW Server" }, "windows"), []);
  });

  it("a backupDir inside installDir is refused: OMFLOW's restore empties installDir before it extracts", () => {
    const [p] = problems({ installDir: "/srv/omflow", backupDir: "/srv/omflow/backups" });
    assert.strictEqual(p.path, "options.backupDir");
    assert.match(p.message, /is inside options\.installDir \("\/srv\/omflow"\), which the restore removes before it extracts the backup/);
    assert.match(p.message, /for example \/var\/backups\/upchain\/omflow/);
  });

  it("a backupDir that holds installDir, or is the Apache config itself, is refused", () => {
    assert.match(problems({ installDir: "/srv/backups/omflow", backupDir: "/srv/backups" })[0].message, /holds options\.installDir/);
    assert.match(problems({ backupDir: "/etc/apache2/sites-enabled/django.conf" })[0].message, /is the same path as options\.apacheSiteConf/);
  });

  it("on Windows the install folder may not be the folder the restore points are kept in", () => {
    assert.deepStrictEqual(paths({ windowsInstallDir: "C:\\Apps\\OMFLOW-upchain-backups" }, "windows"), ["options.windowsInstallDir"]);
  });

  it("the defaults have no problems on either platform", () => {
    assert.deepStrictEqual(problems({}), []);
    assert.deepStrictEqual(problems({}, "windows"), []);
  });
});

describe("OMFLOW options: strict keys and readable types", () => {
  it("a misspelled key is refused with the near name, not dropped", () => {
    assert.deepStrictEqual(problems({ instalDir: "/srv/omflow" }), [{ path: "options.instalDir", message: "is not an option; did you mean `installDir`?" }]);
    assert.deepStrictEqual(problems({ InstallDir: "/srv/omflow" })[0].message, "is not an option; did you mean `installDir`?");
  });

  it("a key with no near name lists the legal keys", () => {
    const [p] = problems({ databasePath: "/var/db" });
    assert.strictEqual(p.path, "options.databasePath");
    assert.match(
      p.message,
      /the options here are `patches`, `offlineBundle`, `online`, `installDir`, `apacheSiteConf`, `backupDir`, `windowsInstallDir`, `windowsServiceName`, `databaseBackup`, `databaseRestore`, `runningCheck`, `updaterArguments`/,
    );
  });

  it("wrong types say what was expected and what was given", () => {
    assert.deepStrictEqual(problems({ installDir: 5, online: "yes", patches: ["/srv/p.tar.gz"] }), [
      {
        path: "options.patches",
        message: 'expected patch files by the version they install, like { "1.2.0.1": /srv/omflow/omflow_patch_1_2_0_1.tar.gz }, got a list',
      },
      { path: "options.online", message: "expected true or false, got a string" },
      { path: "options.installDir", message: "expected an absolute path, got a number" },
    ]);
  });

  it("a patch named by something that is not a version is refused", () => {
    assert.deepStrictEqual(paths({ patches: { "1.2.0": "/srv/p.tar.gz" } }), ['options.patches["1.2.0"]']);
  });

  it("every problem comes in one round: types, keys, paths and the overlap rule together", () => {
    assert.deepStrictEqual(paths({ instalDir: "/x", online: 1, apacheSiteConf: "..", installDir: "/srv/o", backupDir: "/srv/o/b" }).sort(), [
      "options.apacheSiteConf",
      "options.backupDir",
      "options.instalDir",
      "options.online",
    ]);
  });

  it("the steps throw UpchainError INVALID_INPUT listing every problem, never a ZodError", () => {
    const bad = { installDir: 3, backupDir: "rel", typo: true };
    for (const call of [() => planUpgrade(omflow, { installed: "1.1.6.1", target: "1.1.6.3", platform: "linux", options: bad })]) {
      assert.throws(call, (e: unknown) => {
        assert.ok(isUpchainError(e, "INVALID_INPUT"), `got ${String(e)}`);
        assert.deepStrictEqual(
          e.message.split("\n").map((l) => l.split(":")[0]),
          ["options.installDir", "options.backupDir", "options.typo"],
        );
        assert.match(e.message, /options\.installDir: expected an absolute path, got a number/);
        assert.deepStrictEqual(e.path, ["options.installDir"]);
        return true;
      });
    }
  });
});

describe("OMFLOW options: hostile install folders (fast-check)", function () {
  this.timeout(120_000); // 300 runs of sh -n
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
      "&&",
      "*",
      "\u2215",
      "\uff0e\uff0e",
      "\u202e",
      "\u00a0",
      "é",
      "\\",
    ),
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constant("x".repeat(200)),
  );
  let dir: string;
  let cwd: string;
  before(() => {
    dir = tempDir("upchain-hostile-");
    cwd = tempDir("upchain-hostile-cwd-");
  });
  after(() => [dir, cwd].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  // (the version probe this test ran through sh is gone: OMFLOW's documents name no version source)
  it("each value is refused at options.installDir, or every step of a hop using it parses as sh", () => {
    let refused = 0;
    let read = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 5 }), (pieces) => {
        const installDir = dir + "/" + pieces.join("/");
        const found = problems({ installDir });
        if (found.length) {
          refused++;
          // refused only for a reason: not its own normal form, or a control character
          const reason = path.posix.normalize(installDir).replace(/\/$/, "") !== installDir || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(installDir);
          return reason && found.every((p) => p.path === "options.installDir");
        }
        const plan = planUpgrade(omflow, {
          installed: "1.1.6.1",
          target: "1.1.6.3",
          platform: "linux",
          releases: ["1.1.6.1", "1.1.6.3"],
          options: { installDir },
        });
        const r = spawnSync("sh", ["-n"], { cwd, input: plan.steps.flatMap((st) => st.commands).join("\n"), encoding: "utf8" });
        read++;
        return r.status === 0 && fs.readdirSync(cwd).length === 0;
      }),
      { numRuns: 300 },
    );
    assert.ok(refused > 20 && read > 20, `both outcomes exercised: ${refused} refused, ${read} read`);
  });
});
