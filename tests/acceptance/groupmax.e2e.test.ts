// Groupmax master management servers to Version 6 through the real pulumi CLI on real test hosts,
// against the fake written from 002 (tests/fixtures/groupmax): four sources in one stack, a services
// conflict refused at preview, a failure after the reboot, an optional Version 6 backup that fails
// after verify (a warning, never a rollback), a dropped connection while waiting for the reboot, and
// a host that never comes back. The stacks give the server-level versionCommand (the "version"
// branch's field): these tests need that branch merged.
import * as assert from "assert";
import * as fs from "fs";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { DOCUMENT_PORTS_0200 } from "../support/groupmaxDocument";
import { failInstall, failStopAfterUpgrade, groupmaxLog, groupmaxState, installGroupmax } from "../support/groupmaxFixture";
import { configureGroupmax, groupmaxOptions, groupmaxProject } from "../support/groupmaxProject";
import { PulumiProject } from "../support/pulumi";

/** How many lines of the services file define `name` at `port` (comments ignored). */
function entryLines(services: string, name: string, port: number): number {
  return services.split("\n").filter((l) => {
    const [n, p, ...aliases] = l.replace(/#.*/, "").trim().split(/\s+/);
    return p === `${port}/tcp` && (n === name || aliases.includes(name));
  }).length;
}

const ALL = DOCUMENT_PORTS_0200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, test: () => boolean, ms: number, log?: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log && fs.existsSync(log) ? `:\n${fs.readFileSync(log, "utf8")}` : ""}`);
    await sleep(250);
  }
}

describe("four Groupmax servers at 02-00, 02-01, 03-00 and 05-00 in one stack", function () {
  this.timeout(30 * 60 * 1000);
  const names = ["gm0200", "gm0201", "gm0300", "gm0500"];
  const sources = ["02-00", "02-01", "03-00", "05-00"];
  let hosts: TestHost[];
  let project: PulumiProject;

  before(() => {
    requireRoot();
    hosts = startHosts(...names);
    hosts.forEach((h, i) => installGroupmax(h, sources[i], i === 1 ? { servicesExtra: "pop3\t\t110/tcp\t\tpop-3\t\t# POP version 3" } : {}));
    project = groupmaxProject("gmx", hosts);
  });
  after(() => {
    project?.dispose();
    stopHosts(...names);
  });

  it("preview shows each host's own steps and services entries, and touches nothing", () => {
    const before = names.map((n) => groupmaxLog(n).join("\n"));
    const r = project.ok(["preview", "--diff"]);
    const entries = (hop: string) => [...r.output.matchAll(new RegExp(`"${hop} /etc/services \\+= (\\S+ \\d+/tcp)"`, "g"))].map((m) => m[1]);
    const v3 = ["imap 143/tcp", "adrshd 20141/tcp"];
    const v20 = [...v3, "pop3 110/tcp", "popcfg 106/tcp"];
    assert.deepStrictEqual(entries("02-00->06-00"), [...v20, "adagt_ap 9080/tcp", "adreq_ap 9081/tcp"]);
    // gm0201's services file has Debian's pop3 line already: preview lists only what the step adds
    assert.deepStrictEqual(entries("02-01->06-00"), ["imap 143/tcp", "adrshd 20141/tcp", "popcfg 106/tcp"]);
    assert.deepStrictEqual(entries("03-00->06-00"), v3);
    assert.deepStrictEqual(entries("05-00->06-00"), [], "Version 5 adds no ports");
    assert.match(
      r.output,
      /"02-01->06-00 services-add: \[services-add\] Add imap 143\/tcp, adrshd 20141\/tcp, popcfg 106\/tcp to \/etc\/services \(it has pop3 110\/tcp already\)/,
    ); // Pulumi cuts the line's provenance off
    assert.doesNotMatch(r.output, /05-00->06-00 services-add/, "Version 5 adds no ports");
    assert.match(r.output, /02-00->06-00 advup2_6:/);
    assert.match(r.output, /02-01->06-00 advup2_6:/);
    assert.doesNotMatch(r.output, /0[35]-00->06-00 advup2_6/, "advup2_6 is for Version 2.0 only");
    assert.match(r.output, /05-00->06-00 reboot: \[reboot\]/);
    assert.deepStrictEqual(
      names.map((n) => groupmaxLog(n).join("\n")),
      before,
      "preview changed nothing on any host",
    );
  });

  it("up brings all four to 06-00 with exactly the entries each source calls for, and a second up changes nothing", () => {
    project.ok(["up", "--yes", "--skip-preview"]);
    const expected: Record<string, string[]> = {
      gm0200: ["imap", "adrshd", "pop3", "popcfg", "adagt_ap", "adreq_ap"],
      gm0201: ["imap", "adrshd", "pop3", "popcfg"],
      gm0300: ["imap", "adrshd"],
      gm0500: ["imap", "adrshd"], // Version 5 already had them
    };
    for (const n of names) {
      const s = groupmaxState(n);
      assert.strictEqual(s.version, "06-00", n);
      assert.strictEqual(s.objsrv, "06-00", n);
      assert.strictEqual(s.mail, "06-00", n);
      assert.strictEqual(s.records, 6, `${n}: both database files kept their records`);
      assert.deepStrictEqual(s.running, ["objsrv", "address", "server"], `${n} runs its services`);
      assert.strictEqual(s.autostart, "on", `${n}: auto-start put back`);
      assert.strictEqual(s.journals, 0, `${n}: journal files cleared`);
      for (const [name, port] of ALL) {
        assert.strictEqual(entryLines(s.services, name, port), expected[n].includes(name) ? 1 : 0, `${n}: ${name} ${port}/tcp`);
      }
      const log = groupmaxLog(n);
      assert.ok(
        log.some((l) => /^boot autostart=off/.test(l)),
        `${n} was restarted with auto-start off:\n${log.join("\n")}`,
      );
    }
    assert.match(groupmaxState("gm0201").services, /^pop3\t\t110\/tcp\t\tpop-3\t\t# POP version 3$/m, "the existing pop3 line is kept as it was");
    for (const n of ["gm0200", "gm0201"]) {
      const log = groupmaxLog(n);
      const at = (re: RegExp) => log.findIndex((l) => re.test(l));
      const advup = at(/^advup2_6 2\.0->6/);
      assert.ok(
        advup > at(/^start objsrv/) && advup < log.findIndex((l, i) => i > advup && /^start address/.test(l)),
        `${n}: advup2_6 between the starts:\n${log.join("\n")}`,
      );
      assert.strictEqual(groupmaxState(n).format, "6");
      assert.strictEqual(groupmaxState(n).setup, "done", `${n}: the Address_Mail setup ran after advup2_6`);
      assert.ok(at(/^setup Address_Mail OK/) > advup, `${n}: the setup follows advup2_6`);
    }
    // the restore point holds every folder the stack names: both installation folders, both database
    // places and the journal folder with the journals clear-journal deleted later
    const listed = onHost("gm0300", "cd /var/backups/upchain/groupmax && tar -tzf $(cat 03-00-before-06-00.current)");
    for (const dir of [
      "opt/groupmax/",
      "opt/gmaxmail/",
      "opt/gmaxobj/",
      "var/opt/groupmax/db/address.db",
      "srv/gmaxmail/db/mail.db",
      "etc/services",
      "var/opt/groupmax/journal/gmax0001.jnl",
    ]) {
      assert.ok(
        listed.split("\n").some((l) => l.startsWith(dir)),
        `${dir} is in the restore point`,
      );
    }
    // the Version 6 backup was taken with Object Server stopped, and it was started again
    const log300 = groupmaxLog("gm0300");
    const afterInstall = log300.slice(log300.indexOf("install mail 06-00"));
    const v6Stop = afterInstall.lastIndexOf("stop objsrv");
    assert.ok(
      v6Stop > afterInstall.indexOf("start server") && afterInstall.indexOf("start objsrv", v6Stop) > v6Stop,
      `Object Server stopped for the Version 6 backup, then started:\n${log300.join("\n")}`,
    );
    assert.strictEqual(log300[log300.length - 1], "autostart on", `the last event puts auto-start back:\n${log300.join("\n")}`);
    const backups = onHost("gm0300", "ls /var/backups/upchain/groupmax");
    assert.match(backups, /03-00-before-06-00\.\d{8}T\d{6}\.tar\.gz\n/);
    assert.match(backups, /06-00-after-upgrade\.\d{8}T\d{6}\.tar\.gz\n/);
    project.ok(["up", "--yes", "--expect-no-changes"]);
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
  });

  // Groupmax has one hop, so after it the change a stack can still make is to its options: here the
  // site turns off the optional Version 6 backup. The servers are at their target, so the update
  // runs no step on any host; the state takes the new options and the next up has nothing to do.
  it("then a change: turning off the Version 6 backup updates all four in the state and touches no host, and the next up changes nothing", () => {
    const before = names.map((n) => groupmaxLog(n).join("\n"));
    const backupsBefore = names.map((n) => onHost(n, "ls /var/backups/upchain/groupmax"));
    configureGroupmax(project, hosts, groupmaxOptions({ backupAfterUpgrade: false }));
    const preview = project.ok(["preview", "--diff"]);
    assert.match(preview.output, /\b4 to update\b/, preview.output);
    assert.doesNotMatch(preview.output, /->06-00 \S+: \[/, "no hop and no step is planned");
    project.ok(["up", "--yes", "--skip-preview"]);
    for (const n of names) {
      const s = groupmaxState(n);
      assert.strictEqual(s.version, "06-00", n);
      assert.deepStrictEqual(s.running, ["objsrv", "address", "server"], `${n} still runs its services`);
    }
    assert.deepStrictEqual(
      names.map((n) => groupmaxLog(n).join("\n")),
      before,
      "no service was stopped or started on any host",
    );
    assert.deepStrictEqual(
      names.map((n) => onHost(n, "ls /var/backups/upchain/groupmax")),
      backupsBefore,
      "no backup was taken",
    );
    project.ok(["up", "--yes", "--expect-no-changes"]);
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
  });
});

describe("a Groupmax host whose port 143 is taken by another name, or whose stack lacks an installer", function () {
  this.timeout(10 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;

  before(() => {
    requireRoot();
    [h] = startHosts("gmconf");
    installGroupmax(h, "03-00", { servicesExtra: "imap2\t\t143/tcp\t\t# Interim Mail Access P 2 and 4" });
    project = groupmaxProject("gmconf", [h]);
  });
  after(() => {
    project?.dispose();
    stopHosts("gmconf");
  });

  it("fails at preview with the conflict named, and nothing on the host is touched", () => {
    const services = groupmaxState("gmconf").services;
    const log = groupmaxLog("gmconf");
    for (const cmd of [["preview"], ["up", "--yes", "--skip-preview"]]) {
      const r = project.run(cmd);
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(r.output, /SERVICES_CONFLICT/);
      assert.match(
        r.output,
        /\/etc\/services line \d+ \("imap2\s+143\/tcp\s+# Interim Mail Access P 2 and 4"\): 143\/tcp is taken by "imap2", so imap 143\/tcp cannot be added/,
      );
    }
    assert.strictEqual(groupmaxState("gmconf").services, services);
    assert.deepStrictEqual(groupmaxLog("gmconf"), log, "no service was stopped");
    assert.strictEqual(onHost("gmconf", "ls /var/lib/upchain 2>/dev/null | wc -l").trim(), "0", "no journal or lock was written");
  });

  it("a stack without the Mail Server installer fails at preview, naming the missing command beside the other problems", () => {
    const { installers, ...rest } = groupmaxOptions() as { installers: Record<string, string> };
    configureGroupmax(project, [h], { ...rest, installers: { objectServer: installers.objectServer, addressServer: installers.addressServer } });
    const log = groupmaxLog("gmconf");
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(
      r.output,
      /has a problem: upchain:servers\[0\]\.options\.installers\.mailServer: INVALID_INPUT: the hop 03-00 -> 06-00 installs Mail Server with your site's own command/,
    );
    // every problem in one preview: the port conflict left by the test before is reported beside it
    assert.match(r.output, /SERVICES_CONFLICT: .*143\/tcp is taken by "imap2"/);
    assert.doesNotMatch(r.output, /options\.installers\.(objectServer|addressServer)/, "only the missing one is named");
    assert.deepStrictEqual(groupmaxLog("gmconf"), log, "nothing was touched");
  });
});

describe("a Groupmax hop that fails after the reboot", function () {
  this.timeout(10 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;

  before(() => {
    requireRoot();
    [h] = startHosts("gmfail");
    installGroupmax(h, "03-00");
    project = groupmaxProject("gmfail", [h]);
  });
  after(() => {
    project?.dispose();
    stopHosts("gmfail");
  });

  it("names the step, restores 03-00 from the backup, puts auto-start back and keeps the backup", () => {
    const servicesBefore = groupmaxState("gmfail").services;
    failInstall("gmfail", "mail");
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /STEP_FAILED/);
    assert.match(r.output, /step "Update-install Mail Server \(the site's installer\)" \(install-mail-server\) of hop 03-00->06-00 exited 7/);
    assert.match(r.output, /the host was restored to 03-00 and is running it/);
    const s = groupmaxState("gmfail");
    assert.strictEqual(s.version, "03-00");
    assert.strictEqual(s.objsrv, "03-00", "the Object Server install was rolled back too");
    assert.strictEqual(s.autostart, "on", "auto-start put back");
    assert.deepStrictEqual(s.running, ["objsrv", "address", "server"]);
    assert.strictEqual(s.services, servicesBefore);
    assert.ok(
      groupmaxLog("gmfail").some((l) => /^boot autostart=off/.test(l)),
      "the failure came after the reboot",
    );
    const check = onHost(
      "gmfail",
      "cd /var/backups/upchain/groupmax && sha256sum -c 03-00-before-06-00.*.sha256 && tar -tzf $(cat 03-00-before-06-00.current) | grep -c '^opt/groupmax/'",
    );
    assert.match(check, /: OK\n\d+\n$/, "the backup is intact");
  });
});

describe("a Groupmax hop whose optional Version 6 backup fails after verify", function () {
  this.timeout(10 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;

  before(() => {
    requireRoot();
    [h] = startHosts("gmwarn");
    installGroupmax(h, "05-00");
    project = groupmaxProject("gmwarn", [h]);
  });
  after(() => {
    project?.dispose();
    stopHosts("gmwarn");
  });

  it("keeps 06-00 running, warns naming the step and what to do by hand, puts auto-start back and restores nothing", () => {
    failStopAfterUpgrade("gmwarn", "server");
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(r.code, 0, r.output);
    assert.match(
      r.output,
      /WARNING: step "Back up the 06-00 environment with Object Server stopped, then start it again[^"]*" \(backup-v6\) exited 1 \(.*cannot stop server \(injected fault\).*\) after the hop's verify passed; 06-00 stays installed, nothing was rolled back; check that its services run\. Do this step by hand/,
    );
    assert.doesNotMatch(r.output, /restored to 05-00|STEP_FAILED/);
    const s = groupmaxState("gmwarn");
    assert.strictEqual(s.version, "06-00");
    assert.strictEqual(s.objsrv, "06-00");
    assert.deepStrictEqual(s.running, ["objsrv", "address", "server"], "the new version stays running");
    assert.strictEqual(s.autostart, "on", "the step after the failed one still ran");
    assert.strictEqual(s.records, 6);
    project.ok(["up", "--yes", "--expect-no-changes"]);
  });
});

describe("waiting for a Groupmax host to come back from its reboot", function () {
  this.timeout(10 * 60 * 1000);
  let hosts: TestHost[];
  const projects: PulumiProject[] = [];

  before(() => {
    requireRoot();
    hosts = startHosts("gmdrop", "gmgone");
    hosts.forEach((h) => installGroupmax(h, "05-00"));
  });
  after(() => {
    projects.forEach((p) => p.dispose());
    stopHosts("gmdrop", "gmgone");
  });

  it("survives the network dropping while it waits", async () => {
    // the reboot command marks that it started, then gives the test a few seconds to drop the link
    // before the machine goes: the run is then waiting for the reboot when the link is down
    const issued = "/run/upchain-test-reboot-issued";
    const project = groupmaxProject("gmdrop", [hosts[0]], groupmaxOptions({ rebootCommand: `touch ${issued}; sleep 3; /sbin/reboot` }));
    projects.push(project);
    const log = `${project.dir}/up.log`;
    const child = project.start(["up", "--yes", "--skip-preview"], log);
    const exited = new Promise<number>((r) => child.once("exit", (code) => r(code ?? -1)));
    await waitFor(
      "the reboot command",
      () => {
        try {
          return onHost("gmdrop", `test -e ${issued} && echo yes || true`).trim() === "yes";
        } catch {
          return false;
        }
      },
      120_000,
      log,
    );
    // down longer than the transport's keepalive takes to give up on the old connection (10 s x 3,
    // about 40 s, more under load) plus one reconnect attempt's own 20 s timeout, so the wait's first
    // reconnect meets a dead link whether or not a poll was in flight (at 60 s, a first attempt made
    // late could span the outage and succeed when the link came back, with no failed attempt to see)
    execIp("upchain-gmdrop", "down");
    await sleep(90_000);
    execIp("upchain-gmdrop", "up");
    assert.strictEqual(await exited, 0, fs.readFileSync(log, "utf8"));
    const out = fs.readFileSync(log, "utf8");
    assert.match(
      out,
      /not back yet \(attempt 1: /,
      `it retried:\n${out
        .split("\n")
        .filter((l) => /reboot|back|attempt|waiting/i.test(l))
        .join("\n")}`,
    );
    assert.strictEqual(groupmaxState("gmdrop").version, "06-00");
  });

  it("fails at the deadline with a clear message when the host never comes back", () => {
    // a "reboot" that takes the machine off the network for good and never restarts it
    const project = groupmaxProject("gmgone", [hosts[1]], groupmaxOptions({ rebootCommand: "ip link set dev eth0 down", rebootTimeoutSeconds: 15 }));
    projects.push(project);
    const started = Date.now();
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /HOST_DID_NOT_RETURN|did not come back within 15s/);
    assert.match(
      r.output,
      /step "Shut the machine down and restart it; wait up to 15s for it to come back" \(reboot\) of hop 05-00->06-00 restarted the machine, and it did not come back within 15s/,
    );
    assert.match(r.output, /run pulumi up again: the journal on the host resumes the chain after the reboot/);
    assert.match(r.output, /upchain gmgone: \[05-00->06-00 \d+\/\d+\] /, "progress lines name the server by its name in the stack");
    assert.doesNotMatch(r.output, /upchain \d+\.\d+\.\d+\.\d+: /, "not by its address");
    assert.ok(Date.now() - started < 120_000, "it gave up at the deadline, not later");
  });

  it("once the host is back, preview marks the steps the interrupted run finished as done and the reboot it left in flight as checked first", () => {
    execIp("upchain-gmgone", "up");
    const project = projects[projects.length - 1];
    const r = project.ok(["preview", "--diff"]);
    const run = /first finishes interrupted run (\S+) \(05-00 -> 06-00\) from step \d+ of \d+/.exec(r.output)?.[1];
    assert.ok(run, r.output);
    for (const step of ["stop-address", "stop-object-server", "autostart-off"])
      assert.match(r.output, new RegExp(`"05-00->06-00 ${step}: \\(done in run ${run}\\) \\[run\\] `), step);
    assert.match(r.output, /"05-00->06-00 reboot: \(in flight when it was interrupted: checked first\) \[reboot\] /);
    assert.match(r.output, /"05-00->06-00 backup: \[backup\] /, "the steps still to run read as planned");
  });
});

function execIp(ns: string, state: "up" | "down"): void {
  require("child_process").execFileSync("ip", ["-n", ns, "link", "set", "dev", "eth0", state]);
}
