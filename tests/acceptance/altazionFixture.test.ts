// The fake Altazion Office update service (tests/fixtures/altazion) on a real test host, driven by
// hand through the harness side channel the way upchain will drive it over SSH: detection into
// status.xml, the portal's list and its « Installer » POST with the phase hooks in the document's
// order, the portal closed to other machines, the looping install cured by stopping the pool, a
// leftover app_offline.htm surviving an install, the customised database's scripts run one by one,
// a stale detection cured by a restart, a service that refuses to start, and the boot script.
import * as assert from "assert";
import * as net from "net";
import { TestHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import {
  ALT_SERVICE_NAME, AltazionEvent, AltazionSpec, PHASES, SERVICE_NAME, altazionEvents, apppool, appOfflineFiles, clearFault, clearFeed, dataFolder,
  hookFiles, installAltazion, moduleVersion, parseStatus, placeAppOffline, placeHook, poolState, portal, portalRows, publish, run, service,
  serviceState, setFault, sql, statusXml, waitForEvent,
} from "../support/altazionFixture";

const HOST = "azf1";

const base = (): AltazionSpec => ({
  modules: {
    ecommerce: { version: "5.1.0.0" },
    gestioncommerciale: { version: "5.2.0.0" },
    integration: { version: "5.1.0.0" },
    database: { version: "5.1.0.0" },
  },
});

/** Connect from this machine (the controller) to host:port: "connected" or the error code. */
function connectFromController(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 3000 });
    s.on("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.on("timeout", () => {
      s.destroy();
      resolve("timeout");
    });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
  });
}

const since = (n: number) => altazionEvents(HOST).slice(n);
const names = (es: AltazionEvent[]) => es.map((e) => (e.event === "hook" ? `hook:${e.phase}` : e.event));

function install(module: string) {
  return portal(HOST, "POST", "/install", { module });
}

describe("fake Altazion Office update service on a test host", function () {
  this.timeout(120 * 1000);
  let h: TestHost;

  before(() => {
    requireRoot();
    [h] = startHosts(HOST);
  });
  after(() => stopHosts(HOST));

  describe("detection, the portal and an install with its phase hooks", () => {
    before(async () => {
      clearFeed(h);
      publish(h, "ecommerce", "5.0.0.0");
      publish(h, "ecommerce", "5.2.0.0");
      installAltazion(h, base());
      await waitForEvent(HOST, (e) => e.event === "detect");
    });

    it("detection downloads the newest published version and rewrites status.xml", () => {
      const st = parseStatus(statusXml(h)!);
      assert.ok(Date.now() - Date.parse(st.detected) < 60_000, `detected ${st.detected} is recent`);
      assert.deepStrictEqual(st.modules, [
        { name: "ecommerce", installed: "5.1.0.0", available: "5.2.0.0", automatic: true },
        { name: "gestioncommerciale", installed: "5.2.0.0", available: "5.2.0.0", automatic: true },
        { name: "integration", installed: "5.1.0.0", available: "5.1.0.0", automatic: true },
        { name: "database", installed: "5.1.0.0", available: "5.1.0.0", automatic: true },
      ]);
      assert.strictEqual(run(HOST, `ls '${dataFolder(h)}/bin/updates/packages/ecommerce'`).out.trim(), "5.2.0.0");
      assert.deepStrictEqual(serviceState(HOST).service, "Running");
    });

    it("the portal listens on 127.0.0.1:8080 only: another machine's connection is refused", async () => {
      assert.strictEqual(await connectFromController(h.host, 8080), "ECONNREFUSED");
      assert.match(run(HOST, "ss -ltnH 'sport = :8080'").out, /127\.0\.0\.1:8080/);
    });

    it("the portal lists only the module to update, with its Installer form", () => {
      const page = portal(HOST, "GET", "/");
      assert.strictEqual(page.status, 200);
      assert.match(page.headers["content-type"], /text\/html; charset=utf-8/);
      assert.deepStrictEqual(portalRows(page.body), [{ module: "ecommerce", installed: "5.1.0.0", available: "5.2.0.0", automatic: true, installer: true }]);
      assert.doesNotMatch(page.body, /Toutes les applications sont à jour/);
    });

    it("Installer runs the hooks in the document's phase order around app_offline.htm, then answers 303 to /", () => {
      for (const p of PHASES) placeHook(h, `${p}_ecommerce.ps1`, `# ${p}\n`);
      placeHook(h, "POSTINSTALL-phygital.ps1", "# the document's second example\n");
      placeHook(h, "preinstall_ecommerce.ps1", "# wrong case\n");
      placeHook(h, "PREINSTALL_integration.ps1", "# another module\n");
      const n = altazionEvents(HOST).length;
      const r = install("ecommerce");
      assert.strictEqual(r.status, 303, r.body);
      assert.strictEqual(r.headers.location, "/");
      const es = since(n);
      assert.deepStrictEqual(names(es), [
        "portal", "install-begin", "hook-ignored", "hook-ignored",
        "hook:STARTUPDATE", "app-offline-create", "hook:PREBACKUP", "backup", "hook:POSTBACKUP", "hook:PREINSTALL", "files-installed",
        "hook:POSTINSTALL", "app-offline-remove", "hook:ENDUPDATE", "install-done",
      ]);
      assert.deepStrictEqual(es.filter((e) => e.event === "hook-ignored").map((e) => e.file), ["POSTINSTALL-phygital.ps1", "preinstall_ecommerce.ps1"]);
      const hook = es.find((e) => e.event === "hook")!;
      assert.strictEqual(hook.E_MODULE_PATH, "/srv/altazion/ecommerce/");
      assert.strictEqual(hook.E_BACKUP_PATH, "/opt/cpoint/[e]/bin/updates/backups/ecommerce/5.1.0.0/");
      assert.match(hook.sha256, /^[0-9a-f]{64}$/);
      assert.deepStrictEqual(es.at(-1), { ...es.at(-1), module: "ecommerce", from: "5.1.0.0", to: "5.2.0.0" });
      assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
      assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), []);
      assert.strictEqual(run(HOST, "cat '/opt/cpoint/[e]/bin/updates/backups/ecommerce/5.1.0.0/version.txt'; ls '/opt/cpoint/[e]/bin/updates/backups/ecommerce/5.1.0.0/'").out, "5.1.0.0\nbin\nversion.txt\nweb.config\n");
      assert.deepStrictEqual(parseStatus(statusXml(h)!).modules[0], { name: "ecommerce", installed: "5.2.0.0", available: "5.2.0.0", automatic: true });
      assert.match(portal(HOST, "GET", "/").body, /Toutes les applications sont à jour/);
      assert.ok(hookFiles(h).includes("ENDUPDATE_ecommerce.ps1"));
    });

    it("refuses a module with nothing to install, an unknown one and a missing field with 400", () => {
      for (const [form, reason] of [[{ module: "ecommerce" }, /rien à installer/], [{ module: "phygitalapi" }, /module inconnu/], [{ other: "x" }, /no module/]] as const) {
        const r = portal(HOST, "POST", "/install", form as Record<string, string>);
        assert.strictEqual(r.status, 400, JSON.stringify(form));
        assert.match(r.body, reason);
      }
    });
  });

  it("a module missing from applicationspath.config is neither detected nor installed", async () => {
    clearFeed(h);
    publish(h, "integration", "5.2.0.0");
    installAltazion(h, { ...base(), declared: ["ecommerce", "gestioncommerciale", "database"] });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.deepStrictEqual(parseStatus(statusXml(h)!).modules.map((m) => m.name), ["ecommerce", "gestioncommerciale", "database"]);
    assert.strictEqual(install("integration").status, 400);
    assert.strictEqual(moduleVersion(h, "integration"), "5.1.0.0");
  });

  it("the looping install: loops while the pool runs (app_offline.htm left behind), succeeds with the pool stopped, the site stays in maintenance", async () => {
    clearFeed(h);
    publish(h, "ecommerce", "5.2.0.0");
    installAltazion(h, { ...base(), modules: { ...base().modules, ecommerce: { version: "5.1.0.0", pools: ["AltazionEcommerce"] } }, faults: { loop: { module: "ecommerce", whilePoolRunning: true } } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    for (const attempt of [1, 2]) {
      const n = altazionEvents(HOST).length;
      assert.strictEqual(install("ecommerce").status, 303);
      assert.deepStrictEqual(names(since(n)), ["portal", "install-begin", "app-offline-create", "install-loop"].filter((e) => attempt === 1 || e !== "app-offline-create"));
      assert.strictEqual(portalRows(portal(HOST, "GET", "/").body)[0]?.module, "ecommerce", "still listed");
      assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), ["app_offline.htm"]);
    }
    assert.strictEqual(apppool(HOST, "status", "ecommerce").code, 3, "the pool has the spec's name");
    assert.strictEqual(apppool(HOST, "stop", "AltazionEcommerce").code, 0);
    assert.strictEqual(poolState(HOST, "AltazionEcommerce"), "Stopped");
    const n = altazionEvents(HOST).length;
    assert.strictEqual(install("ecommerce").status, 303);
    const es = since(n);
    assert.ok(names(es).includes("install-done"), names(es).join(" "));
    assert.ok(names(es).includes("app-offline-kept"));
    assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
    assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), ["app_offline.htm"], "the one left by the loops stays");
    assert.strictEqual(apppool(HOST, "start", "AltazionEcommerce").code, 0);
    assert.deepStrictEqual(names(since(n)).filter((e) => e.startsWith("pool")), ["pool-start"]);
    assert.deepStrictEqual(names(altazionEvents(HOST).filter((e) => e.event.startsWith("pool"))), ["pool-stop", "pool-start"]);
  });

  it("the loop fault with times: N loops the next N installs whatever the pool", async () => {
    clearFeed(h);
    publish(h, "gestioncommerciale", "5.3.0.0");
    installAltazion(h, { ...base(), faults: { loop: { module: "gestioncommerciale", times: 1 } } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    apppool(HOST, "stop", "gestioncommerciale");
    const n = altazionEvents(HOST).length;
    install("gestioncommerciale");
    install("gestioncommerciale");
    assert.deepStrictEqual(names(since(n)).filter((e) => e.startsWith("install-")), ["install-begin", "install-loop", "install-begin", "install-done"]);
    assert.deepStrictEqual(serviceState(HOST).faults, [], "the fault file is used up");
  });

  it("an app_offline.htm already there before an install survives it; an .html too", async () => {
    clearFeed(h);
    publish(h, "ecommerce", "5.2.0.0");
    publish(h, "gestioncommerciale", "5.3.0.0");
    installAltazion(h, base());
    placeAppOffline(h, "ecommerce", { bak: true, ext: "htm" });
    placeAppOffline(h, "gestioncommerciale", { bak: false, ext: "html" });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.strictEqual(install("ecommerce").status, 303);
    assert.strictEqual(install("gestioncommerciale").status, 303);
    assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), ["app_offline.bak", "app_offline.htm"]);
    assert.deepStrictEqual(appOfflineFiles(h, "gestioncommerciale"), ["app_offline.html"]);
    const ev = altazionEvents(HOST);
    assert.ok(!ev.some((e) => e.event === "app-offline-create" && e.module === "ecommerce"));
    assert.ok(ev.some((e) => e.event === "app-offline-create" && e.module === "gestioncommerciale"), "the service still puts its .htm beside an .html");
    assert.deepStrictEqual(ev.filter((e) => e.event === "app-offline-kept").map((e) => e.file), ["/srv/altazion/ecommerce/app_offline.htm", "/srv/altazion/gestioncommerciale/app_offline.html"]);
    assert.strictEqual(moduleVersion(h, "gestioncommerciale"), "5.3.0.0");
  });

  it("a customised database: 409 at the portal, its scripts run one by one with altazion-sql, the configured one failing", async () => {
    clearFeed(h);
    publish(h, "database", "5.2.0.0");
    installAltazion(h, { ...base(), database: { automatic: false }, faults: { sqlFail: "002_procedures.sql" } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.deepStrictEqual(parseStatus(statusXml(h)!).modules.find((m) => m.name === "database"), { name: "database", installed: "5.1.0.0", available: "5.2.0.0", automatic: false });
    const page = portal(HOST, "GET", "/");
    assert.deepStrictEqual(portalRows(page.body), [{ module: "database", installed: "5.1.0.0", available: "5.2.0.0", automatic: false, installer: false }]);
    assert.match(page.body, /installation manuelle/);
    const r = install("database");
    assert.strictEqual(r.status, 409);
    assert.match(r.body, /personnalisée/);
    const dir = "/opt/cpoint/[e]/bin/updates/packages/database/5.2.0.0/scripts";
    assert.strictEqual(run(HOST, `ls '${dir}'`).out, "001_tables.sql\n002_procedures.sql\n003_version.sql\n");
    assert.strictEqual(sql(HOST, `${dir}/001_tables.sql`).code, 0);
    const failed = sql(HOST, `${dir}/002_procedures.sql`);
    assert.strictEqual(failed.code, 1);
    assert.match(failed.out, /Msg 50000.*002_procedures\.sql/);
    clearFault(h, "sqlFail");
    assert.strictEqual(sql(HOST, `${dir}/002_procedures.sql`).code, 0);
    assert.strictEqual(moduleVersion(h, "database"), "5.1.0.0");
    assert.strictEqual(sql(HOST, `${dir}/003_version.sql`).code, 0);
    assert.strictEqual(moduleVersion(h, "database"), "5.2.0.0");
    assert.deepStrictEqual(parseStatus(statusXml(h)!).modules.find((m) => m.name === "database")?.installed, "5.2.0.0");
    assert.deepStrictEqual(altazionEvents(HOST).filter((e) => e.event === "sql").map((e) => `${e.script}:${e.result}`),
      ["001_tables.sql:ok", "002_procedures.sql:failed", "002_procedures.sql:ok", "003_version.sql:ok"]);
    assert.strictEqual(sql(HOST, "/nowhere.sql").code, 2);
  });

  it("an automatic database installs through the portal, the service running its scripts", async () => {
    clearFeed(h);
    publish(h, "database", "5.2.0.0");
    installAltazion(h, base());
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.strictEqual(install("database").status, 303);
    assert.strictEqual(moduleVersion(h, "database"), "5.2.0.0");
    assert.deepStrictEqual(altazionEvents(HOST).filter((e) => e.event === "sql").map((e) => `${e.script}:${e.by}`),
      ["001_tables.sql:service", "002_procedures.sql:service", "003_version.sql:service"]);
  });

  describe("the service: another name and data folder, stale detection, refusal to start, start mode and boot", () => {
    const D = "/opt/cpoint/Altazion [e] data";
    let first: string;
    before(async () => {
      clearFeed(h);
      publish(h, "ecommerce", "5.2.0.0");
      installAltazion(h, { ...base(), dataFolder: D, serviceName: ALT_SERVICE_NAME, modules: { ...base().modules, ecommerce: { version: "5.1.0.0", path: "/srv/Altazion Office/ecommerce" } }, faults: { staleDetection: true } });
      first = parseStatus(statusXml(h)!).detected;
      await waitForEvent(HOST, (e) => e.event === "detect-stale");
    });

    it("a stale service never detects; a restart detects", async () => {
      assert.strictEqual(parseStatus(statusXml(h)!).detected, first);
      assert.ok(!altazionEvents(HOST).some((e) => e.event === "detect"));
      assert.match(portal(HOST, "GET", "/").body, /Toutes les applications sont à jour/);
      const n = altazionEvents(HOST).length;
      assert.strictEqual(service(h, ["restart"]).code, 0);
      await waitForEvent(HOST, (e) => e.event === "detect", { from: n });
      const st = parseStatus(statusXml(h)!);
      assert.notStrictEqual(st.detected, first);
      assert.deepStrictEqual(st.modules[0], { name: "ecommerce", installed: "5.1.0.0", available: "5.2.0.0", automatic: true });
      assert.strictEqual(run(HOST, `ls '${D}/bin/updates/packages/ecommerce'`).out, "5.2.0.0\n");
    });

    it("hook paths follow the data folder and the module folder, spaces included", () => {
      placeHook(h, "PREINSTALL_ecommerce.ps1", "# x\n");
      assert.strictEqual(install("ecommerce").status, 303);
      const hook = altazionEvents(HOST).find((e) => e.event === "hook")!;
      assert.strictEqual(hook.E_MODULE_PATH, "/srv/Altazion Office/ecommerce/");
      assert.strictEqual(hook.E_BACKUP_PATH, `${D}/bin/updates/backups/ecommerce/5.1.0.0/`);
      assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
    });

    it("answers to its registered name only; start mode and status", () => {
      const unknown = service(h, ["status"], SERVICE_NAME);
      assert.strictEqual(unknown.code, 3);
      assert.match(unknown.out, /Cannot find any service with service name '\[e\] - service principal'/);
      assert.strictEqual(service(h, ["status"]).out, "Running\n");
      assert.strictEqual(service(h, ["startmode"]).out, "AutomaticDelayedStart\n");
      assert.strictEqual(service(h, ["set-startmode", "Sometimes"]).code, 2);
    });

    it("refuseStart: restart leaves it stopped with the portal down, until the fault is cleared", async () => {
      setFault(h, "refuseStart");
      const r = service(h, ["restart"]);
      assert.strictEqual(r.code, 1);
      assert.match(r.out, /the service did not start/);
      assert.strictEqual(service(h, ["status"]).out, "Stopped\n");
      assert.strictEqual(portal(HOST, "GET", "/").status, 0);
      assert.strictEqual(portal(HOST, "GET", "/").curlExit, 7, "connection refused");
      assert.ok(altazionEvents(HOST).some((e) => e.event === "service-start-refused" && e.reason === "fault"));
      clearFault(h, "refuseStart");
      assert.strictEqual(service(h, ["start"]).code, 0);
      assert.strictEqual(portal(HOST, "GET", "/").status, 200);
    });

    it("boot starts the service only in an automatic start mode, and the pools", () => {
      const boot = (what: string) => run(HOST, `/etc/upchain/services.d/altazion ${what}`);
      assert.strictEqual(service(h, ["set-startmode", "manual"]).code, 0);
      assert.strictEqual(service(h, ["startmode"]).out, "Manual\n");
      apppool(HOST, "stop", "ecommerce");
      boot("stop");
      assert.strictEqual(service(h, ["status"]).out, "Stopped\n");
      boot("start");
      assert.strictEqual(service(h, ["status"]).out, "Stopped\n");
      assert.strictEqual(poolState(HOST, "ecommerce"), "Started");
      service(h, ["set-startmode", "Disabled"]);
      assert.strictEqual(service(h, ["start"]).code, 1);
      service(h, ["set-startmode", "AutomaticDelayedStart"]);
      boot("start");
      assert.strictEqual(service(h, ["status"]).out, "Running\n");
      assert.deepStrictEqual(altazionEvents(HOST).filter((e) => e.event === "startmode-set").map((e) => e.to), ["Manual", "Disabled", "AutomaticDelayedStart"]);
    });
  });
});
