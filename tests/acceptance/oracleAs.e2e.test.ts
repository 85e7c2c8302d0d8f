// Oracle AS middle tiers to 10.1.2 through the real pulumi CLI on real test hosts running the fake
// middle tier (tests/fixtures/oracleAs enforces the chapter's order): a 9.0.2.0 tier with Reports,
// its EM Web Site and an Infrastructure (two hops, patch set first), a 9.0.4 tier (no EM stop), and
// a 9.0.3 tier whose Upgrade Assistant fails once. Refusals at preview, preview touching nothing,
// up, up again, refresh, and the failed hop putting the source back in service untouched.
import * as assert from "assert";
import { TestHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import {
  HomeState,
  INFRA_HOME,
  clearFault,
  run,
  homeState,
  httpGet,
  installInfrastructure,
  installSourceHome,
  oracleEvents,
  patchSet,
  setFault,
  startInfrastructure,
  stopInfrastructure,
  treeChecksum,
} from "../support/oracleAsFixture";
import {
  DESTINATION_HOME,
  IAS_ADMIN_PASSWORD,
  SOURCE_HOME,
  configureOracle,
  infrastructureCheck,
  oracleOptions,
  oracleProject,
} from "../support/oracleAsProject";
import { PulumiProject } from "../support/pulumi";

const flagged = (s: HomeState, home: string) => s.oratab.find((l) => l.split(":")[1] === home)?.split(":")[2];

describe("Oracle AS middle tiers at 9.0.2.0, 9.0.3 and 9.0.4 to 10.1.2 in one stack", function () {
  this.timeout(30 * 60 * 1000);
  const names = ["oa0200", "oa0903", "oa0904", "oainfra"];
  let hosts: Record<string, TestHost>;
  let project: PulumiProject;
  const sums: Record<string, string> = {};
  let infra: { host: string; port: number };
  const servers = () => [
    {
      host: hosts.oa0200,
      options: oracleOptions({ infrastructureCheck: infrastructureCheck(infra), components: ["httpServer", "oc4j", "webCache", "reports"] }),
    },
    { host: hosts.oa0903, options: oracleOptions({ infrastructureCheck: infrastructureCheck(infra) }) },
    { host: hosts.oa0904, options: oracleOptions({ iasAdminPassword: undefined, decommissionSource: true, oc4jMaxHeap: "1024m" }) },
  ];

  before(() => {
    requireRoot();
    hosts = Object.fromEntries(startHosts(...names).map((h) => [h.name, h]));
    infra = installInfrastructure(hosts.oainfra, "9.0.2.0.0");
    // a JAZN application compiling JSPs, and the site's own page in the default DocumentRoot: 004's post-upgrade tasks
    installSourceHome(hosts.oa0200, {
      path: SOURCE_HOME,
      version: "9.0.2.0.0",
      infra,
      reportsServer: "rep_oa0200_src",
      emRunning: true,
      iasAdminPassword: IAS_ADMIN_PASSWORD,
      jaznJspApps: [0],
      documents: { "site-notice.html": "<p>site notice</p>\n" },
    });
    installSourceHome(hosts.oa0903, { path: SOURCE_HOME, version: "9.0.3.0.0", infra, emRunning: true, iasAdminPassword: IAS_ADMIN_PASSWORD, ssl: "on" });
    // two OC4J applications that need more than the Upgrade Assistant's default 512m heap
    installSourceHome(hosts.oa0904, { path: SOURCE_HOME, version: "9.0.4.0.0", infra: null, appsHeapMb: [400, 400] });
    for (const n of ["oa0200", "oa0903", "oa0904"]) sums[n] = treeChecksum(n, SOURCE_HOME);
    project = oracleProject("oas", servers());
  });
  after(() => {
    project?.dispose();
    stopHosts(...names);
  });

  it("preview refuses, all at once, an Infrastructure without the patch set for the 9.0.2 source, a missing installer and 004's tasks the site has not confirmed, naming the fields", () => {
    // one server with every problem (pulumi stops a preview at the first resource that fails)
    const broken = oracleOptions({ prerequisites: undefined, infrastructureCheck: infrastructureCheck(infra) });
    delete (broken.installers as Record<string, unknown>).destination;
    configureOracle(project, [{ host: hosts.oa0200, options: broken }]);
    try {
      const before = names.map((n) => oracleEvents(n).length);
      const r = project.run(["preview"]);
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(r.output, /options\.infrastructureCheck.*Infrastructure runs 9\.0\.2\.0\.0, older than 9\.0\.2\.3/);
      assert.match(r.output, /options\.installers\.destination.*installs the 10\.1\.2 middle tier with your site's own command/);
      assert.match(
        r.output,
        /options\.prerequisites\.updateOid902Entries.*Release 2 \(9\.0\.2\) Oracle Internet Directory \(the Infrastructure runs 9\.0\.2\.0\.0\)/,
      );
      assert.match(r.output, /options\.prerequisites\.registerModOssoOnWebCachePort.*Release 2 \(9\.0\.2\) middle tier to 10\.1\.2/);
      assert.deepStrictEqual(
        names.map((n) => oracleEvents(n).length),
        before,
        "preview ran nothing on the hosts",
      );
    } finally {
      configureOracle(project, servers());
    }
  });

  it("preview shows each chain and step (the EM stop only where the source has one) and touches nothing", () => {
    // the document applies the patch set to the Infrastructure too
    stopInfrastructure("oainfra");
    assert.strictEqual(patchSet("oainfra", INFRA_HOME).code, 0);
    startInfrastructure("oainfra");
    const before = ["oa0200", "oa0903", "oa0904"].map((n) => oracleEvents(n).length);
    const r = project.ok(["preview", "--diff"]);
    assert.match(r.output, /9\.0\.2\.0 -> 9\.0\.2\.3 -> 10\.1\.2|9\.0\.2\.0->9\.0\.2\.3[\s\S]*9\.0\.2\.3->10\.1\.2/);
    assert.match(r.output, /apply-patch-set/);
    assert.match(r.output, /upgrade-assistant/);
    const oa0904 = r.output.slice(r.output.indexOf("oa0904"));
    assert.doesNotMatch(oa0904.slice(0, oa0904.indexOf("oa0903") > 0 ? oa0904.indexOf("oa0903") : undefined), /9\.0\.4->10\.1\.2:stop-em-web-site/);
    assert.deepStrictEqual(
      ["oa0200", "oa0903", "oa0904"].map((n) => oracleEvents(n).length),
      before,
      "preview ran nothing on the hosts",
    );
    for (const n of ["oa0200", "oa0903", "oa0904"]) assert.strictEqual(treeChecksum(n, SOURCE_HOME), sums[n]);
  });

  it("up: 9.0.2.0 and 9.0.4 reach 10.1.2; 9.0.3's failed Upgrade Assistant names the component and leaves the source running, untouched", () => {
    setFault("oa0903", "iasua-fail", "Oracle HTTP Server");
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0, "the failed hop fails the run");
    assert.match(r.output, /upgrade-assistant[\s\S]*the Upgrade Assistant failed at component: .*Oracle HTTP Server/);

    for (const n of ["oa0200", "oa0904"]) {
      const dest = homeState(n, DESTINATION_HOME);
      const src = homeState(n, SOURCE_HOME);
      // on failure, what the run said about this host (the run as a whole fails because of oa0903)
      const said = () =>
        r.output
          .split("\n")
          .filter((l) => l.includes(hosts[n].host) || l.includes(`Server ${n}`) || l.includes(`(${n})`))
          .slice(-40)
          .join("\n");
      assert.match(dest.version ?? "", /^10\.1\.2/, `${n} did not reach 10.1.2; the run said:\n${said()}`);
      assert.strictEqual(dest.opmnRunning, true, `${n}: the destination runs`);
      assert.strictEqual(src.opmnRunning, false, `${n}: the source is stopped (same ports)`);
      assert.deepStrictEqual([flagged(dest, DESTINATION_HOME), flagged(dest, SOURCE_HOME)], ["Y", "N"], `${n}: oratab`);
      assert.match(httpGet(n, "http://127.0.0.1:7777/").headers.server ?? "", /10\.1\.2/);
    }
    assert.strictEqual(treeChecksum("oa0904", SOURCE_HOME) !== sums.oa0904, true, "decommission changed the 9.0.4 source (it left the farm)");
    assert.match(run("oa0904", `cat '${SOURCE_HOME}/dcm/config/farm.properties'`).out, /^Member=false$/m, "the 9.0.4 source left its farm");
    assert.match(homeState("oa0200", SOURCE_HOME).version ?? "", /^9\.0\.2\.3/, "the 9.0.2 source took the patch set first");
    // 004's post-upgrade tasks were done before the 9.0.2 tier started: jazn library entries, the default DocumentRoot
    const upgraded = homeState("oa0200", DESTINATION_HOME);
    for (const jar of ["jazn.jar", "jazncore.jar"])
      assert.ok(upgraded.applicationLibraries?.includes(`${DESTINATION_HOME}/j2ee/home/${jar}`), `${jar} in ${upgraded.applicationLibraries}`);
    assert.ok(upgraded.documents?.includes("site-notice.html"), `the site's page in the destination's htdocs: ${upgraded.documents}`);
    // the console started for 004's own check, and its port reported (1812 after a 9.0.2 source, 004 table 4-5)
    assert.match(r.output, /Application Server Control console port: 1812/);

    const src = homeState("oa0903", SOURCE_HOME);
    assert.strictEqual(src.opmnRunning, true, "the 9.0.3 source runs again");
    assert.strictEqual(src.emRunning, true, "its EM Web Site runs again");
    assert.strictEqual(homeState("oa0903", DESTINATION_HOME).opmnRunning, false, "the destination is stopped");
    assert.strictEqual(flagged(src, SOURCE_HOME), "Y");
    assert.match(httpGet("oa0903", "http://127.0.0.1:7777/").headers.server ?? "", /9\.0\.3/);
    assert.strictEqual(treeChecksum("oa0903", SOURCE_HOME), sums.oa0903, "the source home is exactly as it was");
  });

  it("after the fault is cleared, up finishes the 9.0.3 tier from its Upgrade Assistant", () => {
    clearFault("oa0903", "iasua-fail");
    project.ok(["up", "--yes", "--skip-preview"]);
    const dest = homeState("oa0903", DESTINATION_HOME);
    assert.match(dest.version ?? "", /^10\.1\.2/);
    assert.strictEqual(dest.startMode, "ssl-enabled", "SSL kept");
    assert.strictEqual(treeChecksum("oa0903", SOURCE_HOME), sums.oa0903, "the source home is still as it was");
  });

  it("preview refuses a downgrade, naming the target and the rule", () => {
    configureOracle(
      project,
      servers().map((sv) => (sv.host.name === "oa0904" ? { ...sv, version: "9.0.4" } : sv)),
    );
    try {
      const r = project.run(["preview"]);
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(r.output, /upchain:servers\[\d\]\.version +\| DOWNGRADE: 9\.0\.4 is older than the installed 10\.1\.2 +\| upchain never downgrades/);
    } finally {
      configureOracle(project, servers());
    }
  });

  it("up again changes nothing, and refresh finds no drift", () => {
    const again = project.ok(["up", "--yes", "--skip-preview"]);
    assert.match(again.output, /unchanged/);
    assert.doesNotMatch(again.output, /updated|created/);
    const refresh = project.ok(["refresh", "--yes", "--skip-preview"]);
    assert.doesNotMatch(refresh.output, /~ +\d+ updated|updated/);
  });
});
