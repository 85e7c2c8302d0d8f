// The fake Altazion Office update service (tests/fixtures/altazion) on a real test host, driven by
// hand through the harness side channel the way upchain will drive it over SSH, one scenario per
// document rule of 003 (README): detection into status.xml (only the last detected version), the
// portal's list and its « Installer » form with the page's token, the install in the background shown
// as installing and never started twice, the phase hooks in the document's order, the portal closed
// to other machines, the looping install (pool running, heavy use, a window open on the folder), a
// leftover app_offline.htm surviving an install, the customised database's scripts run one by one, a
// stale detection cured by a restart, a service in error or refusing to start, start modes and boot,
// and ALTAZION_SITE (patterns, versionCommand) describing the fake.
import * as assert from "assert";
import * as net from "net";
import { TestHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import {
  ALTAZION_SITE,
  ALT_SERVICE_NAME,
  AltazionEvent,
  AltazionSpec,
  PHASES,
  SERVICE_NAME,
  altazionEvents,
  altazionSite,
  apppool,
  crashService,
  appOfflineFiles,
  clearFault,
  DATA_FOLDER,
  clearFeed,
  dataFolder,
  hookFiles,
  installAltazion,
  moduleVersion,
  pageToken,
  parseStatus,
  placeAppOffline,
  placeHook,
  poolState,
  portal,
  portalRows,
  pressInstaller,
  publish,
  run,
  service,
  serviceState,
  setFault,
  sql,
  statusXml,
  waitForEvent,
  waitIdle,
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Press « Installer » as a browser does, then wait until the background install is over. */
async function installAndWait(module: string) {
  const r = pressInstaller(HOST, module);
  await waitIdle(HOST);
  return r;
}

/** What a site's description of a file (element, the module's attribute, the value's) finds in it, as its users read it: module -> value. */
function described(xml: string, element: string, moduleAttribute: string, valueAttribute: string): Map<string, string> {
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  const out = new Map<string, string>();
  for (const [tag] of xml.matchAll(new RegExp(`<${element}\\s[^>]*>`, "g"))) {
    const [m, v] = [attr(tag, moduleAttribute), attr(tag, valueAttribute)];
    if (m !== undefined && v !== undefined) out.set(m, v);
  }
  return out;
}

/** A contract pattern for a module, as its users read it ({module} regex-escaped). */
const pattern = (p: string, module: string) => new RegExp(p.replace("{module}", module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));

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

    it("detection downloads the newest published version and status.xml holds only the last version detected per module", () => {
      assert.strictEqual(
        statusXml(h),
        [
          '<?xml version="1.0" encoding="utf-8"?>',
          "<status>",
          '  <module name="ecommerce" lastDetectedVersion="5.2.0.0"/>',
          '  <module name="gestioncommerciale" lastDetectedVersion="5.2.0.0"/>',
          '  <module name="integration" lastDetectedVersion="5.1.0.0"/>',
          '  <module name="database" lastDetectedVersion="5.1.0.0"/>',
          "</status>",
          "",
        ].join("\n"),
      );
      assert.strictEqual(run(HOST, `ls '${dataFolder(h)}/bin/updates/packages/ecommerce'`).out.trim(), "5.2.0.0");
      assert.deepStrictEqual(serviceState(HOST).service, "Running");
    });

    it("the portal listens on 127.0.0.1:8080 only: another machine's connection is refused", async () => {
      assert.strictEqual(await connectFromController(h.host, 8080), "ECONNREFUSED");
      assert.match(run(HOST, "ss -ltnH 'sport = :8080'").out, /127\.0\.0\.1:8080/);
    });

    it("the portal lists only the module to update, with its Installer form and a fresh token per page, and no installed version", () => {
      const page = portal(HOST, "GET", "/");
      assert.strictEqual(page.status, 200);
      assert.match(page.headers["content-type"], /text\/html; charset=utf-8/);
      assert.deepStrictEqual(portalRows(page.body), [{ module: "ecommerce", state: "a-mettre-a-jour", version: "5.2.0.0", installer: true }]);
      assert.match(page.body, pattern(ALTAZION_SITE.portal.listedPattern, "ecommerce"));
      assert.doesNotMatch(page.body, pattern(ALTAZION_SITE.portal.installingPattern, "ecommerce"));
      assert.doesNotMatch(page.body, /5\.1\.0\.0/);
      const token = pageToken(page.body);
      assert.match(token ?? "", /^[A-Za-z0-9_-]{20,}$/);
      assert.notStrictEqual(pageToken(portal(HOST, "GET", "/").body), token);
    });

    it("a press without the page's token, with a used token or without the button's field starts nothing", () => {
      const n = altazionEvents(HOST).length;
      const noToken = portal(HOST, "POST", "/installer", { module: "ecommerce", operation: "installer" });
      assert.strictEqual(noToken.status, 403);
      assert.match(noToken.body, /rechargez la liste/);
      const token = pageToken(portal(HOST, "GET", "/").body)!;
      const noButton = portal(HOST, "POST", "/installer", { module: "ecommerce", pageToken: token });
      assert.strictEqual(noButton.status, 400);
      assert.strictEqual(
        portal(HOST, "POST", "/installer", { module: "ecommerce", operation: "installer", pageToken: token }).status,
        403,
        "a token is used once",
      );
      assert.strictEqual(portal(HOST, "POST", "/install", { module: "ecommerce" }).status, 404);
      assert.ok(!since(n).some((e) => e.event === "install-begin"));
      assert.deepStrictEqual(
        since(n)
          .filter((e) => e.event === "install-refused")
          .map((e) => e.status),
        [403, 400, 403],
      );
    });

    it("refuses a module with nothing to install and an unknown one with 400 (a token from a page listing another)", () => {
      for (const [module, reason] of [
        ["gestioncommerciale", /rien à installer/],
        ["phygitalapi", /module inconnu/],
      ] as const) {
        const r = pressInstaller(HOST, module);
        assert.strictEqual(r.status, 400, module);
        assert.match(r.body, reason);
      }
    });

    it("Installer answers 303 to / at once, the install runs in the background shown as installing, a second press is refused, the hooks run in phase order", async () => {
      for (const p of PHASES) placeHook(h, `${p}_ecommerce.ps1`, `# ${p}\n`);
      placeHook(h, "POSTINSTALL-phygital.ps1", "# the document's second example\n");
      placeHook(h, "preinstall_ecommerce.ps1", "# wrong case\n");
      placeHook(h, "PREINSTALL_integration.ps1", "# another module\n");
      const statusBefore = statusXml(h);
      const n = altazionEvents(HOST).length;
      const t0 = Date.now();
      const r = pressInstaller(HOST, "ecommerce");
      assert.ok(Date.now() - t0 < 2500, `answered after ${Date.now() - t0} ms, before the 3 s install ended`);
      assert.strictEqual(r.status, 303, r.body);
      assert.strictEqual(r.headers.location, "/");
      const during = portal(HOST, "GET", "/").body;
      assert.deepStrictEqual(portalRows(during), [{ module: "ecommerce", state: "installation-en-cours", version: "5.2.0.0", installer: false }]);
      assert.match(during, pattern(ALTAZION_SITE.portal.installingPattern, "ecommerce"));
      assert.doesNotMatch(during, pattern(ALTAZION_SITE.portal.listedPattern, "ecommerce"));
      assert.strictEqual(serviceState(HOST).installing, "ecommerce");
      const again = pressInstaller(HOST, "ecommerce");
      assert.strictEqual(again.status, 409);
      assert.match(again.body, /une installation est en cours/);
      await waitIdle(HOST);
      const es = since(n).filter((e) => e.event !== "portal" && e.event !== "install-refused");
      assert.deepStrictEqual(names(es), [
        "install-begin",
        "hook-ignored",
        "hook-ignored",
        "hook:STARTUPDATE",
        "app-offline-create",
        "hook:PREBACKUP",
        "backup",
        "hook:POSTBACKUP",
        "hook:PREINSTALL",
        "files-installed",
        "hook:POSTINSTALL",
        "app-offline-remove",
        "hook:ENDUPDATE",
        "install-done",
      ]);
      assert.deepStrictEqual(
        es.filter((e) => e.event === "hook-ignored").map((e) => e.file),
        ["POSTINSTALL-phygital.ps1", "preinstall_ecommerce.ps1"],
      );
      const hook = es.find((e) => e.event === "hook")!;
      assert.strictEqual(hook.E_MODULE_PATH, "/srv/altazion/ecommerce/");
      assert.strictEqual(hook.E_BACKUP_PATH, "/opt/cpoint/[e]/bin/updates/backups/ecommerce/5.1.0.0/");
      assert.match(String(hook.sha256), /^[0-9a-f]{64}$/);
      assert.deepStrictEqual(es.at(-1), { ...es.at(-1), module: "ecommerce", from: "5.1.0.0", to: "5.2.0.0" });
      assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
      assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), []);
      assert.strictEqual(
        run(
          HOST,
          "cat '/opt/cpoint/[e]/bin/updates/backups/ecommerce/5.1.0.0/bin/Altazion.ecommerce.dll'; ls '/opt/cpoint/[e]/bin/updates/backups/ecommerce/5.1.0.0/'",
        ).out,
        "Altazion.ecommerce.dll FileVersion 5.1.0.0\nbin\nweb.config\n",
      );
      assert.strictEqual(statusXml(h), statusBefore, "an install does not rewrite status.xml");
      assert.match(portal(HOST, "GET", "/").body, /Toutes les applications sont à jour/);
      assert.ok(hookFiles(h).includes("ENDUPDATE_ecommerce.ps1"));
    });

    it("the site's versionCommand prints the declared modules' installed versions in name order, read-only", () => {
      const before = run(HOST, `find /opt/cpoint /srv/altazion -newer /etc/altazion-fake/config.json -type f | sort`).out;
      const r = run(HOST, ALTAZION_SITE.versionCommand);
      assert.deepStrictEqual(r, { code: 0, out: "database=5.1.0.0,ecommerce=5.2.0.0,gestioncommerciale=5.2.0.0,integration=5.1.0.0\n" });
      assert.strictEqual(run(HOST, `find /opt/cpoint /srv/altazion -newer /etc/altazion-fake/config.json -type f | sort`).out, before);
    });

    it("a stop during an install lets it finish first", async () => {
      clearFeed(h);
      publish(h, "integration", "5.2.0.0");
      assert.strictEqual(service(h, ["restart"]).code, 0);
      await waitForEvent(HOST, (e) => e.event === "detect" && Array.isArray(e.downloaded) && e.downloaded.includes("integration/5.2.0.0"));
      const n = altazionEvents(HOST).length;
      assert.strictEqual(pressInstaller(HOST, "integration").status, 303);
      assert.strictEqual(service(h, ["stop"]).code, 0);
      assert.deepStrictEqual(
        names(since(n)).filter((e) => ["install-done", "service-stop"].includes(e)),
        ["install-done", "service-stop"],
      );
      assert.strictEqual(moduleVersion(h, "integration"), "5.2.0.0");
      assert.strictEqual(portal(HOST, "GET", "/").curlExit, 7, "the portal is unreachable while the service is stopped");
    });
  });

  it("a module missing from applicationspath.config is neither detected nor installed", async () => {
    clearFeed(h);
    publish(h, "integration", "5.2.0.0");
    installAltazion(h, { ...base(), declared: ["ecommerce", "gestioncommerciale", "database"] });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.deepStrictEqual(
      parseStatus(statusXml(h)!).modules.map((m) => m.name),
      ["ecommerce", "gestioncommerciale", "database"],
    );
    assert.strictEqual(pressInstaller(HOST, "integration").status, 400);
    assert.strictEqual(moduleVersion(h, "integration"), "5.1.0.0");
    assert.strictEqual(run(HOST, ALTAZION_SITE.versionCommand).out, "database=5.1.0.0,ecommerce=5.1.0.0,gestioncommerciale=5.2.0.0\n");
  });

  it("fileShape pascal writes both files in the other shape (the value's attribute first), read back by the service; the site's description of each shape finds the modules and the other's finds none", async () => {
    clearFeed(h);
    publish(h, "ecommerce", "5.2.0.0");
    installAltazion(h, { ...base(), fileShape: "pascal" });
    await waitForEvent(HOST, (e) => e.event === "detect");
    const status = statusXml(h)!;
    const apps = run(HOST, `cat '${DATA_FOLDER}/bin/config/applicationspath.config'`).out;
    assert.match(status, /^<Status>$/m);
    assert.match(status, /^  <Module LastDetectedVersion="5\.2\.0\.0" Name="ecommerce"\/>$/m);
    assert.match(apps, /^  <Application Path="\/srv\/altazion\/ecommerce\/" Name="ecommerce"\/>$/m);
    assert.doesNotMatch(status + apps, /<module |<application /, "nothing in the lowercase shape");
    assert.deepStrictEqual(
      parseStatus(status, "pascal").modules.find((m) => m.name === "ecommerce"),
      { name: "ecommerce", lastDetectedVersion: "5.2.0.0" },
    );
    assert.deepStrictEqual(parseStatus(status).modules, [], "the lowercase description finds nothing");
    const pascal = altazionSite(DATA_FOLDER, "pascal");
    assert.strictEqual(
      described(status, pascal.statusFile.element, pascal.statusFile.moduleAttribute, pascal.statusFile.versionAttribute).get("ecommerce"),
      "5.2.0.0",
    );
    assert.strictEqual(
      described(status, ALTAZION_SITE.statusFile.element, ALTAZION_SITE.statusFile.moduleAttribute, ALTAZION_SITE.statusFile.versionAttribute).size,
      0,
    );
    assert.strictEqual(
      described(apps, pascal.applicationsFile.element, pascal.applicationsFile.moduleAttribute, pascal.applicationsFile.pathAttribute).get("ecommerce"),
      "/srv/altazion/ecommerce/",
    );
    // the service reads its own shape: the module is declared, listed and installed
    assert.strictEqual((await installAndWait("ecommerce")).status, 303);
    assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
    assert.match(run(HOST, pascal.versionCommand).out, /^database=5\.1\.0\.0,ecommerce=5\.2\.0\.0,/);
    assert.strictEqual(run(HOST, ALTAZION_SITE.versionCommand).out, "\n", "the lowercase site's command reads no node");
  });

  it("the looping install: loops while the pool runs (app_offline.htm left behind), succeeds with the pool stopped, the site stays in maintenance", async () => {
    clearFeed(h);
    publish(h, "ecommerce", "5.2.0.0");
    installAltazion(h, {
      ...base(),
      installSeconds: 1,
      modules: { ...base().modules, ecommerce: { version: "5.1.0.0", pools: ["AltazionEcommerce"] } },
      faults: { loop: { module: "ecommerce", whilePoolRunning: true } },
    });
    await waitForEvent(HOST, (e) => e.event === "detect");
    for (const attempt of [1, 2]) {
      const n = altazionEvents(HOST).length;
      assert.strictEqual((await installAndWait("ecommerce")).status, 303);
      assert.deepStrictEqual(
        names(since(n)).filter((e) => e !== "portal"),
        ["install-begin", "app-offline-create", "install-loop"].filter((e) => attempt === 1 || e !== "app-offline-create"),
      );
      assert.deepStrictEqual(
        portalRows(portal(HOST, "GET", "/").body).map((r) => `${r.module} ${r.state}`),
        ["ecommerce a-mettre-a-jour"],
        "still listed",
      );
      assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), ["app_offline.htm"]);
    }
    assert.strictEqual(apppool(HOST, "status", "ecommerce").code, 3, "the pool has the spec's name");
    assert.strictEqual(apppool(HOST, "stop", "AltazionEcommerce").code, 0);
    assert.strictEqual(poolState(HOST, "AltazionEcommerce"), "Stopped");
    const n = altazionEvents(HOST).length;
    assert.strictEqual((await installAndWait("ecommerce")).status, 303);
    const es = since(n);
    assert.ok(names(es).includes("install-done"), names(es).join(" "));
    assert.ok(names(es).includes("app-offline-kept"));
    assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
    assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), ["app_offline.htm"], "the one left by the loops stays");
    assert.strictEqual(apppool(HOST, "start", "AltazionEcommerce").code, 0);
    assert.deepStrictEqual(
      names(since(n)).filter((e) => e.startsWith("pool")),
      ["pool-start"],
    );
    assert.deepStrictEqual(names(altazionEvents(HOST).filter((e) => e.event.startsWith("pool"))), ["pool-stop", "pool-start"]);
  });

  it("the loop fault with times: N loops the next N installs whatever the pool", async () => {
    clearFeed(h);
    publish(h, "gestioncommerciale", "5.3.0.0");
    installAltazion(h, { ...base(), installSeconds: 0.5, faults: { loop: { module: "gestioncommerciale", times: 1 } } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    apppool(HOST, "stop", "gestioncommerciale");
    const n = altazionEvents(HOST).length;
    await installAndWait("gestioncommerciale");
    await installAndWait("gestioncommerciale");
    assert.deepStrictEqual(
      names(since(n)).filter((e) => e.startsWith("install-")),
      ["install-begin", "install-loop", "install-begin", "install-done"],
    );
    assert.deepStrictEqual(serviceState(HOST).faults, [], "the fault file is used up");
  });

  it("heavy use (loop forSeconds): a try soon after the first loops again, a second try after the wait goes through", async () => {
    clearFeed(h);
    publish(h, "integration", "5.2.0.0");
    installAltazion(h, { ...base(), installSeconds: 0.5, faults: { loop: { module: "integration", forSeconds: 4 } } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    const n = altazionEvents(HOST).length;
    await installAndWait("integration");
    await installAndWait("integration");
    assert.deepStrictEqual(
      since(n)
        .filter((e) => e.event === "install-loop")
        .map((e) => e.reason),
      ["forSeconds", "forSeconds"],
    );
    assert.strictEqual(moduleVersion(h, "integration"), "5.1.0.0");
    await sleep(4000);
    await installAndWait("integration");
    assert.strictEqual(moduleVersion(h, "integration"), "5.2.0.0");
  });

  it("an explorer or command line open on the module folder (openWindow) loops every install until it is closed", async () => {
    clearFeed(h);
    publish(h, "integration", "5.2.0.0");
    installAltazion(h, { ...base(), installSeconds: 0.5, faults: { openWindow: "integration" } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    const n = altazionEvents(HOST).length;
    await installAndWait("integration");
    await installAndWait("integration");
    assert.deepStrictEqual(
      since(n)
        .filter((e) => e.event === "install-loop")
        .map((e) => e.reason),
      ["openWindow", "openWindow"],
    );
    clearFault(h, "openWindow");
    await installAndWait("integration");
    assert.strictEqual(moduleVersion(h, "integration"), "5.2.0.0");
  });

  it("an app_offline.htm already there before an install survives it; an .html too", async () => {
    clearFeed(h);
    publish(h, "ecommerce", "5.2.0.0");
    publish(h, "gestioncommerciale", "5.3.0.0");
    installAltazion(h, { ...base(), installSeconds: 0.5 });
    placeAppOffline(h, "ecommerce", { bak: true, ext: "htm" });
    placeAppOffline(h, "gestioncommerciale", { bak: false, ext: "html" });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.strictEqual((await installAndWait("ecommerce")).status, 303);
    assert.strictEqual((await installAndWait("gestioncommerciale")).status, 303);
    assert.deepStrictEqual(appOfflineFiles(h, "ecommerce"), ["app_offline.bak", "app_offline.htm"]);
    assert.deepStrictEqual(appOfflineFiles(h, "gestioncommerciale"), ["app_offline.html"]);
    const ev = altazionEvents(HOST);
    assert.ok(!ev.some((e) => e.event === "app-offline-create" && e.module === "ecommerce"));
    assert.ok(
      ev.some((e) => e.event === "app-offline-create" && e.module === "gestioncommerciale"),
      "the service still puts its .htm beside an .html",
    );
    assert.deepStrictEqual(
      ev.filter((e) => e.event === "app-offline-kept").map((e) => e.file),
      ["/srv/altazion/ecommerce/app_offline.htm", "/srv/altazion/gestioncommerciale/app_offline.html"],
    );
    assert.strictEqual(moduleVersion(h, "gestioncommerciale"), "5.3.0.0");
  });

  it("a customised database: listed without a form, 409 at the portal, its scripts run one by one with altazion-sql, the configured one failing", async () => {
    clearFeed(h);
    publish(h, "database", "5.2.0.0");
    installAltazion(h, { ...base(), database: { automatic: false }, faults: { sqlFail: "002_procedures.sql" } });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.deepStrictEqual(
      parseStatus(statusXml(h)!).modules.find((m) => m.name === "database"),
      { name: "database", lastDetectedVersion: "5.2.0.0" },
    );
    const page = portal(HOST, "GET", "/");
    assert.deepStrictEqual(portalRows(page.body), [{ module: "database", state: "a-mettre-a-jour", version: "5.2.0.0", installer: false }]);
    assert.match(page.body, /installation manuelle/);
    const r = pressInstaller(HOST, "database");
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
    assert.match(run(HOST, ALTAZION_SITE.versionCommand).out, /^database=5\.2\.0\.0,/);
    assert.match(portal(HOST, "GET", "/").body, /Toutes les applications sont à jour/);
    assert.deepStrictEqual(
      altazionEvents(HOST)
        .filter((e) => e.event === "sql")
        .map((e) => `${e.script}:${e.result}`),
      ["001_tables.sql:ok", "002_procedures.sql:failed", "002_procedures.sql:ok", "003_version.sql:ok"],
    );
    assert.strictEqual(sql(HOST, "/nowhere.sql").code, 2);
  });

  it("an automatic database installs through the portal, the service running its scripts", async () => {
    clearFeed(h);
    publish(h, "database", "5.2.0.0");
    installAltazion(h, { ...base(), installSeconds: 0.5 });
    await waitForEvent(HOST, (e) => e.event === "detect");
    assert.strictEqual((await installAndWait("database")).status, 303);
    assert.strictEqual(moduleVersion(h, "database"), "5.2.0.0");
    assert.deepStrictEqual(
      altazionEvents(HOST)
        .filter((e) => e.event === "sql")
        .map((e) => `${e.script}:${e.by}`),
      ["001_tables.sql:service", "002_procedures.sql:service", "003_version.sql:service"],
    );
  });

  describe("the service: another name and data folder, stale detection, refusal to start, start mode and boot", () => {
    const D = "/opt/cpoint/Altazion [e] data";
    let first: string | null;
    before(async () => {
      clearFeed(h);
      publish(h, "ecommerce", "5.2.0.0");
      installAltazion(h, {
        ...base(),
        dataFolder: D,
        serviceName: ALT_SERVICE_NAME,
        modules: { ...base().modules, ecommerce: { version: "5.1.0.0", path: "/srv/Altazion Office/ecommerce" } },
        faults: { staleDetection: true },
      });
      first = statusXml(h);
      await waitForEvent(HOST, (e) => e.event === "detect-stale");
    });

    it("a stale service never detects; a restart detects", async () => {
      assert.strictEqual(statusXml(h), first);
      assert.ok(!altazionEvents(HOST).some((e) => e.event === "detect"));
      assert.match(portal(HOST, "GET", "/").body, /Toutes les applications sont à jour/);
      const n = altazionEvents(HOST).length;
      assert.strictEqual(service(h, ["restart"]).code, 0);
      await waitForEvent(HOST, (e) => e.event === "detect", { from: n });
      assert.deepStrictEqual(parseStatus(statusXml(h)!).modules[0], { name: "ecommerce", lastDetectedVersion: "5.2.0.0" });
      assert.strictEqual(run(HOST, `ls '${D}/bin/updates/packages/ecommerce'`).out, "5.2.0.0\n");
    });

    it("hook paths and the site's versionCommand follow the data folder and the module folder, spaces included", async () => {
      placeHook(h, "PREINSTALL_ecommerce.ps1", "# x\n");
      assert.strictEqual((await installAndWait("ecommerce")).status, 303);
      const hook = altazionEvents(HOST).find((e) => e.event === "hook")!;
      assert.strictEqual(hook.E_MODULE_PATH, "/srv/Altazion Office/ecommerce/");
      assert.strictEqual(hook.E_BACKUP_PATH, `${D}/bin/updates/backups/ecommerce/5.1.0.0/`);
      assert.strictEqual(moduleVersion(h, "ecommerce"), "5.2.0.0");
      assert.strictEqual(run(HOST, altazionSite(D).versionCommand).out, "database=5.1.0.0,ecommerce=5.2.0.0,gestioncommerciale=5.2.0.0,integration=5.1.0.0\n");
      assert.strictEqual(run(HOST, ALTAZION_SITE.versionCommand).code, 1, "the default data folder's command fails here");
    });

    it("answers to its registered name only; start mode and status", () => {
      const unknown = service(h, ["status"], SERVICE_NAME);
      assert.strictEqual(unknown.code, 3);
      assert.match(unknown.out, /Cannot find any service with service name '\[e\] - service principal'/);
      assert.strictEqual(service(h, ["status"]).out, "Running\n");
      assert.strictEqual(service(h, ["startmode"]).out, "AutomaticDelayedStart\n");
      assert.strictEqual(service(h, ["set-startmode", "Sometimes"]).code, 2);
    });

    it("a service in error (its process killed during an install): Stopped, the portal unreachable, the install cut short; a start brings the portal back with the module still listed", async () => {
      clearFeed(h);
      publish(h, "integration", "5.2.0.0");
      assert.strictEqual(service(h, ["restart"]).code, 0);
      await waitForEvent(HOST, (e) => e.event === "detect" && Array.isArray(e.downloaded) && e.downloaded.includes("integration/5.2.0.0"));
      const n = altazionEvents(HOST).length;
      assert.strictEqual(pressInstaller(HOST, "integration").status, 303);
      crashService(HOST);
      assert.strictEqual(service(h, ["status"]).out, "Stopped\n");
      assert.strictEqual(portal(HOST, "GET", "/").curlExit, 7);
      assert.strictEqual(serviceState(HOST).installing, null);
      await sleep(3500);
      assert.ok(!since(n).some((e) => e.event === "install-done"), "the killed install never finishes");
      assert.strictEqual(moduleVersion(h, "integration"), "5.1.0.0");
      assert.strictEqual(service(h, ["start"]).code, 0);
      assert.deepStrictEqual(
        portalRows(portal(HOST, "GET", "/").body).map((r) => `${r.module} ${r.state}`),
        ["integration a-mettre-a-jour"],
      );
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
      assert.deepStrictEqual(
        altazionEvents(HOST)
          .filter((e) => e.event === "startmode-set")
          .map((e) => e.to),
        ["Manual", "Disabled", "AutomaticDelayedStart"],
      );
    });
  });
});
