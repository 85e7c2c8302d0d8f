// OMFLOW end to end through the real pulumi CLI on real hosts running the fake OMFLOW (written from
// document 001, tests/fixtures/omflow/README.md) under Apache + mod_wsgi + Django: the 1.1.6.1 ->
// 1.2.0.0 -> 1.2.0.1 chain with the Python 3.11 venv rebuild on a server without any file only
// upchain knows about, a bash-only patch and patches that clean /opt/omflow/tmp, a failing patch
// restored (database included), and bad targets refused at preview. The installed version comes from
// the site's versionCommand (server-level field of the "version" branch).
import * as assert from "assert";
import { execFileSync } from "child_process";
import { PulumiProject } from "../support/pulumi";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { failPatch, installOmflow, installedVersion, omflowProject, versionCommand } from "../support/omflowFixture";

const http = (h: TestHost) => execFileSync("curl", ["-s", "-m", "10", `http://${h.host}/`], { encoding: "utf8" });

describe("OMFLOW 1.1.6.1 -> 1.2.0.1 through the real pulumi CLI", function () {
  this.timeout(30 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;

  before(async () => {
    requireRoot();
    [h] = startHosts("wfa");
    await installOmflow(h, "1.1.6.1");
    project = await omflowProject("omflow", [h], "1.2.0.1");
  });
  after(() => {
    project?.dispose();
    stopHosts("wfa");
  });

  it("the fixture serves OMFLOW 1.1.6.1 on Django 2.2 with the extra package, and has no file only upchain knows about", () => {
    assert.match(http(h), /OMFLOW 1\.1\.6\.1\nDjango 2\.2\.28\n.*\nprefix \/opt\/omflow\/python\nextra six\ndb schema 1\.1\.6\.1/s);
    assert.strictEqual(onHost("wfa", "ls -a /opt/omflow; test -e /opt/omflow/VERSION && echo HAS-VERSION || true"), ".\n..\npython\nserver\ntmp\nweb\n");
  });

  it("preview lists both hops and their steps, and touches nothing", () => {
    const look = `${versionCommand}; ls /var/lib/upchain /tmp/upchain-omflow 2>&1; /opt/omflow/server/omflow_server status; cat /var/lib/omflow-db/omflow.db`;
    const before = onHost("wfa", look);
    const r = project.ok(["preview", "--diff"]);
    assert.match(r.output, /1\.1\.6\.1->1\.2\.0\.0 \(omflow\.1\.2\.0\.0-python-3\.11\)/);
    assert.match(r.output, /1\.2\.0\.0->1\.2\.0\.1 \(omflow\.same-feature\)/);
    for (const step of [
      "backup",
      "backup-database",
      "work-folder",
      "extract-patch",
      "export-packages",
      "check-wheelhouse",
      "stop",
      "remove-venv",
      "install-python",
      "python-alternative",
      "create-venv",
      "install-packages",
      "install-mod-wsgi",
      "apache-wsgi-module",
      "run-patch",
      "start",
      "verify",
    ]) {
      assert.match(r.output, new RegExp(`1\\.1\\.6\\.1->1\\.2\\.0\\.0 ${step}:`), `preview shows step ${step}`);
    }
    assert.strictEqual(onHost("wfa", look), before);
  });

  /** Logins sshd accepted on the host so far (its log: tests/hosts/rootfs-init.sh). */
  const logins = () => Number(onHost("wfa", "grep -c '^Accepted ' /var/log/sshd.log || true").trim());
  let loginsInUp: number | undefined;

  it("up walks the chain, running the bash-only 1.2.0.0 patch and the patches that clean /opt/omflow/tmp; Apache then serves 1.2.0.1 on Django 4.2 from the new venv, with the extra package", () => {
    const before = logins();
    const r = project.ok(["up", "--yes", "--skip-preview"]);
    loginsInUp = logins() - before;
    assert.match(r.output, /\[1\.1\.6\.1->1\.2\.0\.0 \d+\/\d+\] Run \.\/patch\.sh for 1\.2\.0\.0/, "per-step progress reaches the CLI");
    assert.strictEqual(installedVersion("wfa"), "1.2.0.1");
    assert.strictEqual(
      onHost("wfa", "ls -A /opt/omflow/tmp; test -e /opt/omflow/VERSION && echo HAS-VERSION || true"),
      "",
      "the patches cleaned OMFLOW's tmp folder and nothing wrote a VERSION file",
    );
    assert.match(onHost("wfa", "/opt/omflow/server/omflow_server status"), /OMFLOW is running/, "started after the 1.2.0.1 patch left it stopped");
    const page = http(h);
    assert.match(page, /^OMFLOW 1\.2\.0\.1\nDjango 4\.2\nPython 3\.11/);
    assert.match(page, /db schema 1\.2\.0\.1/);
    assert.match(page, /prefix \/opt\/omflow\/python\nextra six/);
    assert.match(
      onHost("wfa", "cat /etc/apache2/sites-enabled/django.conf"),
      /LoadModule wsgi_module \/opt\/omflow\/python\/lib\/python3\.11\/site-packages\/mod_wsgi\/server\/mod_wsgi-py311/,
    );
    assert.match(onHost("wfa", "/opt/omflow/python/bin/pip freeze"), /^six==/m);
  });

  it("that up logged in to the server once: its check and its converge went over one SSH connection", () => {
    assert.strictEqual(loginsInUp, 1);
  });

  it("up again changes nothing, and refresh finds no drift", () => {
    project.ok(["up", "--yes", "--expect-no-changes"]);
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
  });

  it("the state holds the SSH key only encrypted", () => {
    const state = project.stateText();
    assert.ok(state.includes('"pulumi-nodejs:dynamic/upchain:Server"'));
    for (const line of privateKey(h)
      .split("\n")
      .filter((l) => l.length > 20 && !l.startsWith("-----"))) {
      assert.ok(!state.includes(line), "a line of the private key is in the state in plain text");
    }
  });
});

describe("OMFLOW failures", function () {
  this.timeout(30 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;

  before(async () => {
    requireRoot();
    [h] = startHosts("wfb");
    await installOmflow(h, "1.1.6.1");
  });
  after(() => {
    project?.dispose();
    stopHosts("wfb");
  });

  it("a downgrade fails at preview, naming the legal targets", async () => {
    project = await omflowProject("down", [h], "1.1.5.0");
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /upchain:servers\[0\]\.version: DOWNGRADE: 1\.1\.5\.0 is older than the installed 1\.1\.6\.1/);
    assert.match(r.output, /legal targets from 1\.1\.6\.1: 1\.1\.6\.3, 1\.1\.6\.4, 1\.2\.0\.0/);
    project.dispose();
  });

  it("an unknown version fails at preview, naming the known releases", async () => {
    project = await omflowProject("unknown", [h], "1.2.0.9");
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /upchain:servers\[0\]\.version: UNKNOWN_VERSION: 1\.2\.0\.9 is not a known OMFLOW release \(known: .*1\.2\.0\.1/);
    project.dispose();
  });

  it("a failing patch.sh in the 1.2.0.0 hop fails the up with the step and its output, and the host is back at 1.1.6.1 with its old venv, Apache config, database and python3 link", async () => {
    const conf = onHost("wfb", "cat /etc/apache2/sites-enabled/django.conf");
    const python3 = onHost("wfb", "readlink /usr/bin/python3; update-alternatives --list python3 2>&1 || true");
    failPatch("wfb", "1.2.0.0");
    project = await omflowProject("fail", [h], "1.2.0.1");
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /step "Run \.\/patch\.sh for 1\.2\.0\.0 from its own folder" \(run-patch\) of hop 1\.1\.6\.1->1\.2\.0\.0 exited 1/);
    assert.match(r.output, /patch\.sh: copying OMFLOW 1\.2\.0\.0 files failed/);
    assert.match(r.output, /restored to 1\.1\.6\.1/);
    assert.match(
      http(h),
      /^OMFLOW 1\.1\.6\.1\nDjango 2\.2\.28\n.*\ndb schema 1\.1\.6\.1\n/s,
      "the database the patch migrated is restored by the site's command",
    );
    assert.strictEqual(
      onHost("wfb", "readlink /usr/bin/python3; update-alternatives --list python3 2>&1 || true"),
      python3,
      "the python3 alternative the hop registered is undone",
    );
    assert.strictEqual(onHost("wfb", "cat /etc/apache2/sites-enabled/django.conf"), conf);
    assert.match(onHost("wfb", "/opt/omflow/python/bin/pip freeze"), /^Django==2\.2\.28$/m);
  });
});
