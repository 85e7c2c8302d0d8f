// Groupmax's options are checked per platform before anything runs: paths, the backup directory apart
// from what the restore removes, strict keys, readable types; preflight adds the local uploads.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { groupmax } from "../../../../providers/catalogs/groupmax";
import { groupmaxSettings } from "../../../../providers/catalogs/groupmax/options";
import { PlanContext, Platform } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { LINUX_SITE, WINDOWS_SITE } from "../../../support/groupmaxSite";
import { tempDir } from "../../../support/localHost";

const installers = LINUX_SITE.installers;
const ctx = (options: unknown, platform: Platform = "linux"): PlanContext => ({ platform, releases: ["06-00"], options: options as Record<string, unknown> });
/** The problems of a site's complete options with `options` laid over them. */
const problems = (options: Record<string, unknown>, platform: Platform = "linux") =>
  groupmax.optionProblems!(ctx({ ...(platform === "windows" ? WINDOWS_SITE : LINUX_SITE), ...options }, platform));
const paths = (options: Record<string, unknown>, platform: Platform = "linux") => problems(options, platform).map((p) => p.path);

describe("Groupmax options: paths per platform", () => {
  it("a relative database path is refused naming its index (the restore would remove it relative to the step's folder)", () => {
    const [p] = problems({ databasePaths: ["/var/opt/groupmax/db", "db"] });
    assert.strictEqual(p.path, "options.databasePaths[1]");
    assert.match(p.message, /"db" is not absolute: give the full path from \//);
  });

  it('an installation folder "", "/" or ".." is refused naming its index', () => {
    for (const dir of ["", "/", ".."]) assert.deepStrictEqual(paths({ installDirs: ["/opt/gm/mail", dir] }), ["options.installDirs[1]"], dir);
  });

  it("an install folder or a database path that is a system folder is refused: the restore removes them", () => {
    assert.deepStrictEqual(paths({ installDirs: ["/opt"], databasePaths: ["/srv/gm/db", "/var/lib"] }), ["options.installDirs[0]", "options.databasePaths[1]"]);
    assert.deepStrictEqual(paths({ installDirs: ["C:\\Program Files"] }, "windows"), ["options.installDirs[0]"]);
  });

  it("a journal folder that is a system folder is refused, saying why: the restore replaces it whole", () => {
    for (const [dir, platform] of [
      ["/var/lib", "linux"],
      ["C:\\Windows", "windows"],
    ] as const) {
      const found = problems({ journalDir: dir }, platform);
      assert.deepStrictEqual(
        found.map((p) => p.path),
        ["options.journalDir"],
        dir,
      );
      assert.match(found[0].message, /is a folder of the system itself, and the restore removes this path before it puts it back/, found[0].message);
    }
    assert.deepStrictEqual(problems({ journalDir: "/var/opt/groupmax/journal" }), []);
  });

  it("every path option is checked: journalDir, servicesFile, advup, uploads[i].destination", () => {
    const o = {
      journalDir: "/var/log/",
      servicesFile: "etc/services",
      advup: "/opt/groupmax//bin/advup2_6",
      uploads: [{ source: "/srv/p.tar", destination: "../p.tar" }],
    };
    assert.deepStrictEqual(paths(o).sort(), ["options.advup", "options.journalDir", "options.servicesFile", "options.uploads[0].destination"]);
  });

  it("on Windows the paths are Windows paths and the %SystemRoot% services file stays accepted", () => {
    assert.deepStrictEqual(problems({}, "windows"), []);
    assert.deepStrictEqual(problems({ servicesFile: "%SystemRoot%\\System32\\drivers\\etc\\services", databasePaths: ["D:\\Groupmax\\db"] }, "windows"), []);
    assert.deepStrictEqual(paths({ installDirs: ["/opt/groupmax"], databasePaths: ["C:\\"] }, "windows"), [
      "options.installDirs[0]",
      "options.databasePaths[0]",
    ]);
    assert.deepStrictEqual(paths({ installDirs: ["C:\\Groupmax"] }), ["options.installDirs[0]"], "and on Linux a Windows path is refused");
  });

  it("a backupDir inside an installation folder, equal to journalDir, or holding a database is refused at options.backupDir", () => {
    assert.match(
      problems({ installDirs: ["/opt/groupmax"], backupDir: "/opt/groupmax/backups" })[0].message,
      /is inside options\.installDirs\[0\] \("\/opt\/groupmax"\), which the restore removes/,
    );
    assert.match(problems({ journalDir: "/var/journal", backupDir: "/var/journal" })[0].message, /is the same path as options\.journalDir/);
    const [p] = problems({ databasePaths: ["/srv/db", "/var/backups/gm/db"], backupDir: "/var/backups/gm" });
    assert.strictEqual(p.path, "options.backupDir");
    assert.match(p.message, /holds options\.databasePaths\[1\] \("\/var\/backups\/gm\/db"\)/);
  });

  it("on Windows the overlap ignores case", () => {
    assert.deepStrictEqual(paths({ installDirs: ["C:\\Groupmax"], backupDir: "c:\\groupmax\\bk" }, "windows"), ["options.backupDir"]);
  });
});

describe("Groupmax options: the site's facts 002 does not give are required, with no default", () => {
  const alone = (options: Record<string, unknown>, platform: Platform) =>
    groupmax.preflight!(planUpgrade(groupmax, { installed: "05-00", target: "06-00", platform, options }).hops, ctx(options, platform)).filter(
      (p) => !p.path.startsWith("options.installers"),
    );

  it("a server already at Version 6 (no hop) needs none of them", () => {
    assert.deepStrictEqual(groupmax.preflight!([], ctx({}, "linux")), []);
    assert.deepStrictEqual(groupmax.optionProblems!(ctx({}, "linux")), []);
  });

  it("on Linux, no options: the installation folders, the database files, the journal folder and every service operation, all at once", () => {
    const found = alone({}, "linux").map((p) => p.path);
    assert.deepStrictEqual(found.slice(0, 3), ["options.installDirs", "options.databasePaths", "options.journalDir"]);
    for (const svc of ["objectServer", "address", "server"])
      for (const op of ["start", "stop", "status"]) assert.ok(found.includes(`options.commands.${svc}.${op}`), `${svc}.${op}: ${found.join(", ")}`);
    for (const op of ["isOn", "off", "on"]) assert.ok(found.includes(`options.commands.autostart.${op}`), op);
    assert.ok(!found.some((p) => p.startsWith("options.commands.console")), "the console only with operatorConsole");
    assert.ok(alone({ operatorConsole: true }, "linux").some((p) => p.path === "options.commands.console.start"));
  });

  it("each message says what 002 leaves open and what to give", () => {
    const byPath = Object.fromEntries(alone({}, "linux").map((p) => [p.path, p.message]));
    assert.match(
      byPath["options.databasePaths"],
      /「Groupmax製品が使用するすべてのデータベースファイル」\) but names none: give their files or folders as a list/,
    );
    assert.match(byPath["options.journalDir"], /give their folder, or false when the old version kept none/);
    assert.match(byPath["options.commands.objectServer.stop"], /002 describes no Linux procedure/);
  });

  it("on Windows the folders and the services' names are required (002 names no Windows service), the console's only with operatorConsole", () => {
    const names = ["objectServer", "address", "server"].map((k) => `options.windowsServices.${k}`);
    assert.deepStrictEqual(
      alone({}, "windows").map((p) => p.path),
      ["options.installDirs", "options.databasePaths", "options.journalDir", ...names],
    );
    assert.deepStrictEqual(
      alone({ operatorConsole: true }, "windows").map((p) => p.path),
      ["options.installDirs", "options.databasePaths", "options.journalDir", ...names, "options.windowsServices.console"],
    );
  });

  it("journalDir false (the old version kept no journals) is accepted", () => {
    assert.deepStrictEqual(problems({ journalDir: false }), []);
  });
});

describe("Groupmax options: strict keys and readable types", () => {
  it("databasePath suggests databasePaths; nested keys are strict too", () => {
    assert.deepStrictEqual(problems({ databasePath: ["/var/db"], windowsServices: { adress: "x" }, uploads: [{ source: "/srv/p", destinaton: "/x" }] }), [
      { path: "options.uploads[0].destination", message: "is required: give an absolute path" },
      { path: "options.uploads[0].destinaton", message: "is not an option; did you mean `destination`?" },
      { path: "options.windowsServices.adress", message: "is not an option; did you mean `address`?" },
      { path: "options.databasePath", message: "is not an option; did you mean `databasePaths`?" },
    ]);
  });

  it("a string for databasePaths reads: expected a list of absolute paths, got a string", () => {
    assert.deepStrictEqual(problems({ databasePaths: "/var/db" }), [
      { path: "options.databasePaths", message: "expected a list of absolute paths, got a string" },
    ]);
  });

  it("groupmaxSettings throws UpchainError INVALID_INPUT with every problem, never a ZodError", () => {
    assert.throws(
      () => groupmaxSettings({ installDirs: 7, rebootTimeoutSeconds: "900", instalers: {} }, "linux"),
      (e: unknown) => {
        assert.ok(isUpchainError(e, "INVALID_INPUT"), `got ${String(e)}`);
        assert.deepStrictEqual(e.message.split("\n"), [
          "options.installDirs: expected a list of absolute paths, got a number",
          "options.rebootTimeoutSeconds: expected a number of seconds, got a string",
          "options.instalers: is not an option; did you mean `installers`?",
        ]);
        return true;
      },
    );
  });
});

describe("Groupmax preflight: every problem in one round, the uploads checked locally", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("upchain-groupmax-preflight-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hops = () => planUpgrade(groupmax, { installed: "03-00", target: "06-00", platform: "linux" }).hops;

  it("a missing upload source is named by its field; one that is there passes", () => {
    const pkg = path.join(dir, "gmx6");
    fs.mkdirSync(pkg);
    fs.writeFileSync(path.join(pkg, "install.sh"), "x");
    const uploads = [
      { source: pkg, destination: "/var/tmp/gmx6" },
      { source: path.join(dir, "missing.tar"), destination: "/var/tmp/m.tar" },
    ];
    assert.deepStrictEqual(groupmax.preflight!(hops(), ctx({ ...LINUX_SITE, uploads })), [
      { path: "options.uploads[1].source", message: `"${path.join(dir, "missing.tar")}" does not exist on this machine (the one running pulumi)` },
    ]);
  });

  it("an invalid option no longer hides the missing installers: both come together", () => {
    const found = groupmax.preflight!(hops(), ctx({ ...LINUX_SITE, installers: { objectServer: installers.objectServer }, databasePaths: ["db"] })).map(
      (p) => p.path,
    );
    assert.deepStrictEqual(found, ["options.databasePaths[0]", "options.installers.addressServer", "options.installers.mailServer"]);
  });
});
