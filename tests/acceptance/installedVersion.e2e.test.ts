// The installed version of a product whose documents name no way to read it (issue 17 point 3), with
// the real pulumi CLI on a real test host and a product of the test's own that has no version probe:
// first adoption trusts the stack's `current` (and preview says so), then upchain tracks the version
// each run reaches; with the site's versionCommand, each hop's verify also checks it prints the hop's
// target, and a hop whose product does not report its target is restored. No source at all is
// refused at preview, naming both fields.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PulumiProject } from "../support/pulumi";

const HOST = "ver1";
const APP = "/etc/quietapp";

// A product of the test's own, as a vendor document without a version source describes it: each hop
// writes its release file (a hook can make an installer "forget" it, as a real patch may) and marks
// the service running; its verify is only its own criterion, the running mark. upchain never reads the
// release file: only the site's versionCommand does.
const catalogJs = `const { shStep, quote } = require("upchain");
const rule = { id: "quietapp.one-by-one", text: "each release upgrades the one before it", source: "the test" };
const app = ${JSON.stringify(APP)};
exports.catalog = {
  product: "quietapp",
  title: "Quiet app",
  scheme: { describe: "a whole number, like 3", normalize: (v) => (/^[0-9]+$/.test(v.trim()) ? String(Number(v)) : undefined), compare: (a, b) => Number(a) - Number(b) },
  platforms: ["linux"],
  defaultReleases: ["1", "2", "3", "4", "5"],
  legalHops: (from, ctx) => ctx.releases.filter((r) => Number(r) === Number(from) + 1).map((to) => ({ from, to, rule })),
  requiredStops: () => [],
  hopSteps: (hop) => [
    shStep({ id: "backup", action: "backup", title: "Keep " + hop.from, destructive: false, commands: ["rm -rf " + app + ".bak && cp -a " + app + " " + app + ".bak"] }),
    shStep({ id: "install", action: "run", title: "Install " + hop.to, destructive: true, commands: [
      "echo " + quote("install " + hop.to) + " >> " + app + "/installs.log",
      "if [ ! -e " + app + "/hooks/forget-" + hop.to + " ]; then echo " + quote(hop.to) + " > " + app + "/release; fi",
      "touch " + app + "/running",
    ] }),
    shStep({ id: "verify", action: "verify", title: "The service runs", destructive: false, commands: ["test -e " + app + "/running"] }),
  ],
  restoreSteps: (hop) => [shStep({ id: "restore", action: "restore", title: "Put " + hop.from + " back", destructive: true, commands: ["rm -rf " + app + " && cp -a " + app + ".bak " + app, "echo " + quote("restored " + hop.from) + " >> " + app + "/installs.log"] })],
};
`;

const program = `const pulumi = require("@pulumi/pulumi");
const { Server } = require("upchain");
const cfg = new pulumi.Config();
const connection = { host: cfg.require("host"), user: "root", privateKey: cfg.requireSecret("privateKey"), hostKey: cfg.require("hostKey") };
const app = new Server("app", { product: "quietapp", catalogModule: "./catalogs/quietapp", target: cfg.require("target"), current: cfg.get("current"), versionCommand: cfg.get("versionCommand"), connection });
exports.installed = app.installedVersion;
if (cfg.getBoolean("bare")) new Server("bare", { product: "quietapp", catalogModule: "./catalogs/quietapp", target: "2", journalName: "bare", connection });
`;

describe("the installed version from the stack, the state and the site's versionCommand (a product with no documented source)", function () {
  this.timeout(20 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;
  const configure = (config: Record<string, unknown>) => {
    project.writeConfig(Object.fromEntries(Object.entries({ host: h.host, hostKey: h.hostKey, ...config }).map(([k, v]) => [`upchain-e2e:${k}`, v])));
    project.setConfig("privateKey", privateKey(h), true);
  };
  const onApp = (script: string) => onHost(HOST, script).trim();

  before(() => {
    requireRoot();
    [h] = startHosts(HOST);
    onHost(HOST, `rm -rf ${APP} /var/lib/upchain && mkdir -p ${APP}/hooks && echo 1 > ${APP}/release && touch ${APP}/running && : > ${APP}/installs.log`);
    project = new PulumiProject("version", program);
    fs.mkdirSync(path.join(project.dir, "catalogs"));
    fs.writeFileSync(path.join(project.dir, "catalogs/quietapp.js"), catalogJs);
    project.init();
  });
  after(() => {
    project?.dispose();
    stopHosts(HOST);
  });

  it("with current only, preview trusts the stack and says so, and up walks the chain and tracks the version reached", () => {
    configure({ target: "3", current: "1" });
    const preview = project.ok(["preview", "--diff"]);
    assert.match(
      preview.output,
      new RegExp(`trusting the stack: ${h.host.replace(/\./g, "\\.")} runs 1 \\(no documented way to read it; give versionCommand to read it\\)`),
    );
    assert.match(preview.output, /1->2 install: [^]*2->3 install:/);
    assert.doesNotMatch(preview.output, /verify-version/, "no versionCommand, no check of it");
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(onApp(`cat ${APP}/release`), "3");
    assert.strictEqual(project.ok(["stack", "output", "installed"]).stdout.trim(), "3");
    assert.strictEqual(onApp("cat /var/lib/upchain/quietapp.installed"), "3", "kept beside the journal for the next preview");
  });

  it("after the first run the tracked version wins over a current left in the stack, and preview says so", () => {
    configure({ target: "4", current: "1" });
    const preview = project.ok(["preview", "--diff"]);
    assert.match(preview.output, /from the state: \S+ runs 3, the version upchain's last run reached/);
    assert.match(preview.output, /current \(1\) is trusted on first adoption only/);
    // the diff shows the last plan beside the new one: the new one starts from 3
    assert.match(preview.output, /~ from\s*: "1" => "3"/);
    assert.match(preview.output, /=> "3->4 install: \[run\] Install 4 <- [^"]*"/);
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(onApp(`cat ${APP}/release`), "4");
    assert.deepStrictEqual(onApp(`cat ${APP}/installs.log`).split("\n"), ["install 2", "install 3", "install 4"], "no hop ran twice");
  });

  it("a refresh of a server whose version is tracked reports no drift and keeps the tracked version", () => {
    const r = project.ok(["refresh", "--yes", "--skip-preview"]);
    assert.doesNotMatch(r.output, /~ .*update/);
    assert.strictEqual(project.ok(["stack", "output", "installed"]).stdout.trim(), "4");
  });

  it("with versionCommand, each hop's verify ends with its check, and a hop whose product does not print its target is restored", () => {
    configure({ target: "5", versionCommand: `cat ${APP}/release` });
    onApp(`touch ${APP}/hooks/forget-5`);
    const preview = project.ok(["preview", "--diff"]);
    assert.match(preview.output, /4->5 verify-version: \[verify\] Check versionCommand prints 5/);
    assert.doesNotMatch(preview.output, /warning: upchain app: (trusting the stack|from the state:)/, "the version is read, not trusted");
    const up = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(up.code, 0, up.output);
    assert.match(up.output, /versionCommand does not print 5 after the hop/);
    assert.strictEqual(onApp(`cat ${APP}/release`), "4", "the hop was restored");
    // the restore put the folder back as its backup had it (before "install 5"), then said so
    assert.match(onApp(`cat ${APP}/installs.log`), /install 4\nrestored 4$/);
  });

  it("once the product reports its target, the same up succeeds and the version read is the one kept", () => {
    onApp(`rm ${APP}/hooks/forget-5`);
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(onApp(`cat ${APP}/release`), "5");
    assert.strictEqual(project.ok(["stack", "output", "installed"]).stdout.trim(), "5");
  });

  it("a versionCommand that prints something other than a version is refused at preview without showing what it printed", () => {
    configure({ target: "5", versionCommand: `echo 'build 77 of ACME quietapp'` });
    const r = project.run(["preview", "--diff"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(
      r.output,
      /versionCommand: UNKNOWN_VERSION: \S+: versionCommand printed text that is not a Quiet app version \(not shown: the output is data\)/,
    );
    assert.doesNotMatch(r.output, /ACME/);
  });

  it("a server with no source at all is refused at preview, naming versionCommand and current", () => {
    configure({ target: "5", versionCommand: `cat ${APP}/release`, bare: true });
    const r = project.run(["preview", "--diff"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(
      r.output,
      /versionCommand: INVALID_INPUT: no documented way to read the installed Quiet app version: give versionCommand \(.*\) or current \(/,
    );
  });
});
