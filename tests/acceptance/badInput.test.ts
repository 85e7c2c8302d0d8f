// Bad input on a real host (issue 7): hostile values the unit suite found accepted for OMFLOW's
// backupDir reach the host literally. For each of 40 values (drawn with a fixed seed, so a failure
// replays), the rendered backup step runs over SSH the way the executor runs a step (`set -e`, then
// the commands, as one `sh` script), and a listing of the host's files (`find -print0`, through the
// harness's side channel, not through the code under test) shows the restore point's `complete`
// file at exactly that path, nothing created outside the folders that path names, and no file a
// `$(touch /tmp/pwned)` in any value would have left.
//
// Then the same through the stack config and the real pulumi CLI: a preview with a hostile value of
// each field class is refused naming every one of them before any connection (the host's sshd log
// does not move), and a `pulumi up` with hostile values that are legal puts the upload and the
// restore point at exactly those paths, runs the installers as written, and no injected command.
import * as assert from "assert";
import { stepOfAction } from "../../providers/engine/planning/catalog";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { connectSsh } from "../../providers/transport/ssh";
import { RemoteHost } from "../../providers/transport/remoteHost";
import { quote } from "../../providers/quote";
import { PWNED, hostileAbsolutePath } from "../support/hostile";
import { products, verdict } from "../support/hostileRender";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { GROUPMAX_LAYOUT, groupmaxLog, groupmaxState, installGroupmax } from "../support/groupmaxFixture";
import { groupmaxOptions } from "../support/groupmaxProject";
import { PulumiProject } from "../support/pulumi";

const NAME = "bi1";
const SEED = 20261123;
const SAMPLE = 40;
const p = products["omflow linux"];
const HOP_DIR = `${p.installed}-to-1.2.0.0`;

/** Folders where the host itself writes while the test runs (sshd, logs), and the test's own script. */
const NOISE = ["/root/bi", "/var/log", "/run", "/var/run", "/var/cache", "/var/lib/upchain", "/tmp/.X11-unix", "/dev", "/proc", "/sys"];

/** A value the host's file system can hold: no NUL, each name at most 255 bytes, nothing under the install folder or the kernel's file systems. */
function fitsOnDisk(value: string): boolean {
  if (value.includes("\0") || Buffer.byteLength(value) > 3000) return false;
  if (value.split("/").some((s) => Buffer.byteLength(s) > 200)) return false;
  const at = path.posix.resolve(value, HOP_DIR);
  return ![p.base.installDir ?? "/opt/omflow", "/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/upchain", "/root/bi"].some(
    (d) => at === d || at.startsWith(d + "/"),
  );
}

/** The accepted values of the unit suite's generator for backupDir, first `SAMPLE` of a fixed-seed draw. */
function acceptedSample(): string[] {
  const out: string[] = [];
  for (const v of fc.sample(hostileAbsolutePath, { numRuns: 2000, seed: SEED })) {
    if (out.length === SAMPLE) break;
    if (out.includes(v) || !fitsOnDisk(v)) continue;
    if (verdict(p, { ...p.base, backupDir: v }).kind === "rendered") out.push(v);
  }
  return out;
}

/** Every folder the value names on the way down (mkdir -p creates each), resolved as the kernel does for these names. */
function foldersNamed(value: string): string[] {
  const parts = (value + "/" + HOP_DIR).split("/").filter((s) => s !== "");
  return ["/", ...parts.map((_s, i) => path.posix.resolve("/", ...parts.slice(0, i + 1)))];
}

describe("bad input on a real host", function () {
  this.timeout(300_000);
  let h: TestHost;
  let host: RemoteHost;

  before(async () => {
    requireRoot();
    [h] = startHosts(NAME);
    host = await connectSsh({ host: h.host, privateKey: privateKey(h), hostKey: h.hostKey });
    onHost(NAME, "mkdir -p /opt/omflow /root/bi");
  });
  after(async () => {
    await host?.close();
    stopHosts(NAME);
  });

  /** Run `commands` as the executor runs a step (one script after `set -e`, by sh), then list what changed on the host. */
  async function runStep(commands: string[], value: string) {
    onHost(NAME, `rm -f ${PWNED}; touch /root/bi/start; sleep 0.01`);
    await host.writeFile("/root/bi/script.sh", `set -e\n${commands.join("\n")}\n`, 0o700);
    const r = await host.exec("sh /root/bi/script.sh");
    const changed = onHost(NAME, "find / -xdev -newer /root/bi/start -print0").split("\0").filter(Boolean);
    const restorePoint = path.posix.resolve(value, HOP_DIR);
    const folders = foldersNamed(value);
    const expected = (f: string) => folders.includes(f) || f.startsWith(restorePoint + "/");
    return {
      r,
      changed,
      stray: changed.filter((f) => !expected(f) && !NOISE.some((n) => f === n || f.startsWith(n + "/"))),
      // a value may itself name a folder "pwned"; an injected touch would make one anywhere else
      pwned: onHost(NAME, "find / -xdev -name pwned -print0")
        .split("\0")
        .filter((f) => f && !expected(f)),
    };
  }

  it("the listing sees an injected command (the checks below can fail)", async () => {
    const value = "/srv/leak$(touch /tmp/pwned)";
    const seen = await runStep([`mkdir -p ${value}/${HOP_DIR}`], "/srv/leak");
    assert.strictEqual(seen.r.code, 0, seen.r.stderr);
    assert.ok(seen.stray.includes(PWNED), `stray: ${JSON.stringify(seen.stray)}`);
    assert.deepStrictEqual(seen.pwned, [PWNED]);
  });

  it(`${SAMPLE} hostile backupDir values (seed ${SEED}): each restore point is made at exactly that path, nothing else is created, no injected command runs`, async () => {
    const values = acceptedSample();
    assert.strictEqual(values.length, SAMPLE, `only ${values.length} accepted values fit on disk in the draw`);
    for (const [i, value] of values.entries()) {
      const shown = `value ${i} ${JSON.stringify(value)}`;
      // the host has no OMFLOW: the site's running check says it is not running, so the backup stops nothing
      const v = verdict(p, { ...p.base, backupDir: value, runningCheck: "false" });
      assert.strictEqual(v.kind, "rendered");
      if (v.kind !== "rendered") return;
      const backup = stepOfAction(
        v.steps.find((s) => s.action === "backup")!,
        "backup",
      );
      assert.strictEqual(backup.backupDir, `${value}/${HOP_DIR}`, `${shown}: the step names another restore point`);
      // the restore point is complete once the site's database backup is in it (the step after the files)
      const database = v.steps.find((s) => s.id === "backup-database")!;

      const seen = await runStep([...backup.commands, ...database.commands], value);
      assert.strictEqual(seen.r.code, 0, `${shown}: the backup step failed: ${seen.r.stderr}`);
      const complete = path.posix.resolve(value, HOP_DIR, "complete");
      assert.ok(
        seen.changed.includes(complete),
        `${shown}: no ${JSON.stringify(complete)} on the host; changed: ${JSON.stringify(seen.changed).slice(0, 500)}`,
      );
      assert.deepStrictEqual(seen.stray, [], `${shown}: files created or changed outside the folders the value names`);
      assert.deepStrictEqual(seen.pwned, [], `${shown}: an injected command ran`);
      assert.strictEqual(onHost(NAME, `test -e ${PWNED} && echo there || echo absent`).trim(), "absent", `${shown}: ${PWNED} exists`);
    }
  });
});

describe("bad input through the stack config and the real pulumi CLI", function () {
  this.timeout(600_000);
  let h: TestHost;
  let project: PulumiProject;

  /** The host's sshd log (sshd -e), read through its overlay root: any connection adds lines. */
  const sshdLog = () => fs.readFileSync(path.join(h.root, "var/log/sshd.log"), "utf8");
  const pwnedOnHost = () => onHost(NAME, "find / -xdev -name pwned -print0").split("\0").filter(Boolean);
  const server = (fields: Record<string, unknown>) => ({
    name: "gmx",
    host: h.host,
    hostKey: h.hostKey,
    product: "groupmax",
    version: "06-00",
    versionCommand: GROUPMAX_LAYOUT.versionCommand,
    lockTimeoutSeconds: 30,
    ...fields,
  });
  const configure = (servers: unknown[]) => {
    project.writeConfig({ "upchain:servers": servers });
    project.setConfig("upchain:privateKey", privateKey(h), true);
  };

  before(() => {
    requireRoot();
    [h] = startHosts(NAME);
    installGroupmax(h, "05-00");
    project = new PulumiProject("badinput");
    project.init();
    fs.rmSync(PWNED, { force: true });
  });
  after(() => {
    project?.dispose();
    stopHosts(NAME);
  });

  it("preview refuses a hostile value of each field class, naming every field and its rule, before any connection", () => {
    const options = groupmaxOptions();
    const installers = options.installers as Record<string, string>;
    configure([
      server({
        version: `06-00'; touch ${PWNED}`, // versions
        options: {
          ...options,
          installDirs: [`/opt/groupmax/../$(touch ${PWNED})`], // paths
          installers: { ...installers, mailServer: `${installers.mailServer}\0; touch ${PWNED}`, [`objectServer\`touch ${PWNED}\``]: "x" }, // commands, hook names
          windowsServices: { objectServer: "Groupmax*" }, // names
        },
      }),
    ]);
    const log = sshdLog();
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    const problems: [string, RegExp][] = [
      ["upchain:servers[0].version", /is not a Groupmax master management server version \(Hitachi's VV-RR.*the releases known here: 06-00/],
      ["options.installDirs[0]", /is not normalised \(no "\." or "\.\." segments/],
      ["options.installers.mailServer", /holds a NUL byte \(at position \d+\), which no shell can run as written/],
      [`options.installers["objectServer\`touch ${PWNED}\`"]`, /is not an option; the options here are `objectServer`, `addressServer`, `mailServer`/],
      ["options.windowsServices.objectServer", /holds "\*" .*which PowerShell reads as a wildcard, matching other services too/],
    ];
    for (const [field, rule] of problems) {
      const line = r.output.split("\n").find((l) => l.includes(field + ": ") || l.includes(field + " "));
      assert.ok(line, `no problem names ${field}:\n${r.output}`);
      assert.match(line, rule, `${field}: ${line}`);
    }
    assert.strictEqual(sshdLog(), log, "preview connected to the host");
    assert.deepStrictEqual(pwnedOnHost(), []);
    assert.ok(!fs.existsSync(PWNED), `${PWNED} exists on this machine`);
  });

  it("the stack config refuses a hostile name, user and step id, naming each, before any connection", () => {
    configure([server({ name: `gmx$(touch ${PWNED})`, user: "root\nadmin", stepTimeouts: { [`run; touch ${PWNED}`]: 60 }, options: groupmaxOptions() })]);
    const log = sshdLog();
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    for (const [field, rule] of [
      ["upchain:servers[0].name", /use letters, digits, '\.', '_' and '-'/],
      ["upchain:servers[0].user", /a user name has no spaces or control characters/],
      [`upchain:servers[0].stepTimeouts["run; touch ${PWNED}"]`, /is not a step id or action/],
    ] as const) {
      const line = r.output.split("\n").find((l) => l.includes(field + ":"));
      assert.ok(line, `no problem names ${field}:\n${r.output}`);
      assert.match(line, rule);
    }
    assert.strictEqual(sshdLog(), log, "preview connected to the host");
    assert.deepStrictEqual(pwnedOnHost(), []);
  });

  it("up with hostile values that are legal: the upload and the restore point land at exactly those paths, the installers run as written, nothing else runs", () => {
    const dest = `/var/tmp/gmx6 it's "$(touch ${PWNED})" \`touch ${PWNED}\` ; & | * ~root \u2019 $HOME -rf`;
    const backupDir = `/var/backups/upchain it's $(touch ${PWNED}) \\n --`;
    const options = groupmaxOptions({
      uploads: [{ source: (groupmaxOptions().uploads as { source: string }[])[0].source, destination: dest }],
      installers: Object.fromEntries(
        (["object", "address", "mail"] as const).map((c) => [
          `${c === "object" ? "objectServer" : c === "address" ? "addressServer" : "mailServer"}`,
          `bash ${quote(dest)}/install.sh ${c}${c === "object" ? "" : " --update"}`,
        ]),
      ),
      backupDir,
    });
    configure([server({ options })]);
    const preview = project.ok(["preview", "--diff"]);
    assert.match(preview.output, /05-00->06-00 reboot: \[reboot\]/);
    const log = sshdLog();
    project.ok(["up", "--yes", "--skip-preview"]);
    // the log the previews above found unchanged does show connections
    assert.match(sshdLog().slice(log.length), /Accepted publickey for root/);

    assert.strictEqual(groupmaxState(NAME).version, "06-00", groupmaxLog(NAME).join("\n"));
    // read through the overlay root on this machine, not through the code under test
    assert.ok(fs.statSync(path.join(h.root, dest, "install.sh")).isFile(), `the package is not at ${JSON.stringify(dest)}`);
    const kept = fs.readdirSync(path.join(h.root, backupDir));
    assert.ok(kept.includes("05-00-before-06-00.current"), `restore point pointer missing in ${JSON.stringify(backupDir)}: ${kept}`);
    const archive = fs.readFileSync(path.join(h.root, backupDir, "05-00-before-06-00.current"), "utf8").trim();
    assert.strictEqual(path.posix.dirname(archive), backupDir, "the pointer names an archive in exactly that folder");
    assert.ok(fs.existsSync(path.join(h.root, archive)), `no archive ${JSON.stringify(archive)}`);
    // the install steps ran the package at that path, once each
    for (const c of ["object", "address", "mail"])
      assert.strictEqual(groupmaxLog(NAME).filter((l) => new RegExp(`install ${c}\\b`).test(l)).length, 1, groupmaxLog(NAME).join("\n"));
    assert.deepStrictEqual(pwnedOnHost(), [], "an injected command ran on the host");
    assert.ok(!fs.existsSync(PWNED), `${PWNED} exists on this machine`);
  });
});
