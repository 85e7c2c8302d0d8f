// Several OMFLOW servers in one stack, each with its own chain; and a `pulumi up` killed mid-hop
// that the next `pulumi up` finishes from the host's journal.
import * as assert from "assert";
import * as fs from "fs";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { configureServers, installOmflow, installedVersion as version, omflowOptions, omflowProject, slowPatch } from "../support/omflowFixture";
import { PulumiProject, killTree } from "../support/pulumi";

describe("three OMFLOW servers at different versions in one stack", function () {
  this.timeout(30 * 60 * 1000);
  let hosts: TestHost[];
  let project: PulumiProject;

  before(async () => {
    requireRoot();
    hosts = startHosts("wfc", "wfd", "wfe");
    await installOmflow(hosts[0], "1.1.6.1");
    await installOmflow(hosts[1], "1.1.6.3");
    await installOmflow(hosts[2], "1.1.5.0");
    project = await omflowProject("fleet", hosts, "1.1.6.4");
  });
  after(() => {
    project?.dispose();
    stopHosts("wfc", "wfd", "wfe");
  });

  it("preview gives each server its own legal chain", () => {
    const r = project.ok(["preview", "--diff"]);
    assert.match(r.output, /"1\.1\.6\.1->1\.1\.6\.4 \(omflow\.same-feature\)"/);
    assert.match(r.output, /"1\.1\.6\.3->1\.1\.6\.4 \(omflow\.same-feature\)"/);
    assert.match(r.output, /"1\.1\.5\.0->1\.1\.6\.0 \(omflow\.next-feature\)"/);
    assert.match(r.output, /"1\.1\.6\.0->1\.1\.6\.4 \(omflow\.same-feature\)"/);
    assert.doesNotMatch(r.output, /1\.1\.5\.0->1\.1\.6\.4/, "1.1.5.0 may not jump past the next feature version");
  });

  it("up brings all three to 1.1.6.4 (patch.sh without its execute bit, and a bash-only one that leaves OMFLOW stopped), and a second up changes nothing", () => {
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.deepStrictEqual(
      hosts.map((h) => version(h.name)),
      ["1.1.6.4", "1.1.6.4", "1.1.6.4"],
    );
    for (const h of hosts)
      assert.match(
        onHost(h.name, "/opt/omflow/server/omflow_server status"),
        /OMFLOW is running/,
        `${h.name}: started after the 1.1.6.4 patch left it stopped`,
      );
    assert.match(onHost("wfe", "cat /var/lib/upchain/runs/*/*run-patch/out"), /no execute bit: running it with its #! interpreter: ?\/bin\/sh/);
    project.ok(["up", "--yes", "--expect-no-changes"]);
  });
});

describe("a pulumi up killed during a hop", function () {
  this.timeout(30 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;

  before(async () => {
    requireRoot();
    [h] = startHosts("wff");
    await installOmflow(h, "1.1.6.1");
    // first adopt the server where it is, so the killed run is an update of an existing resource
    project = await omflowProject("killed", [h], "1.1.6.1", { lockTimeoutSeconds: 10 });
    project.ok(["up", "--yes", "--skip-preview"]);
  });
  after(() => {
    project?.dispose();
    stopHosts("wff");
  });

  it("is finished by the next pulumi up from the journal on the host, without running the patch twice", async () => {
    slowPatch("wff", "1.1.6.4", 8);
    configureServers(project, [h], "1.1.6.4", { options: await omflowOptions(), lockTimeoutSeconds: 10 });
    const log = `${project.dir}/killed-up.log`;
    const child = project.start(["up", "--yes", "--skip-preview"], log);
    // kill pulumi and everything it started (its provider too) once the patch step is in flight on the host
    const deadline = Date.now() + 120_000;
    // the patch step is running on the host: launched, with its pid written
    while (!/pid/.test(onHost("wff", "ls /var/lib/upchain/runs/*/*-run-patch/ 2>/dev/null || true"))) {
      if (Date.now() > deadline) throw new Error(`the patch step never started:\n${fs.readFileSync(log, "utf8")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const killed = killTree(child.pid!);
    assert.ok(killed.length > 2, `pulumi and its plugins were killed (${killed.length} processes)`);
    await new Promise((r) => child.once("exit", r));
    assert.strictEqual(version("wff"), "1.1.6.1", "killed mid-patch, the host has not reached the target yet");

    // no sleep: the next run watches the dead run's lock go stale (10 s) and takes it over
    project.ok(["cancel", "--yes"]); // what an operator does first: release Pulumi's own stack lock
    const r = project.ok(["up", "--yes", "--skip-preview"]);
    assert.match(r.output, /took over the lock of run/);
    assert.match(r.output, /resuming run .*: 1\.1\.6\.1 -> 1\.1\.6\.4/);
    assert.match(r.output, /left running by the interrupted run/);
    assert.strictEqual(version("wff"), "1.1.6.4");
    const runs = onHost("wff", "cat /var/lib/upchain/runs/*/*run-patch/out");
    assert.strictEqual((runs.match(/OMFLOW patched from/g) ?? []).length, 1, `patch.sh ran once:\n${runs}`);
    project.ok(["up", "--yes", "--expect-no-changes"]);
  });
});
