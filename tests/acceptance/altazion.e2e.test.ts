// Altazion Office through the real pulumi CLI on real test hosts running the fake update service
// (tests/fixtures/altazion: its portal on the host's loopback only, reached through the SSH tunnel).
// One stack: az1 hosts ecommerce + gestioncommerciale (hooks for both, a leftover maintenance page in
// each: with and without an app_offline.bak), az2 hosts integration + phygitalapi + database, and
// phygitalapi's install loops while its pool runs; az2's update service writes its files in the
// fixture's other shape (fileShape "pascal"), which the site describes for it, so a recipe that
// assumed one shape of status.xml or applicationspath.config would fail on one of the two servers. Then: a version the service has not detected
// (refused with the diagnosis, then the remedy), bad input, and a customised database on azdb.
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  AltazionEvent,
  DATA_FOLDER,
  FILE_SHAPES,
  altazionEvents,
  altazionSite,
  appOfflineFiles,
  clearFault,
  hookFiles,
  installAltazion,
  modulePath,
  moduleVersion,
  placeAppOffline,
  poolState,
  publish,
  run,
  serviceState,
  setFault,
  statusXml,
  waitForEvent,
} from "../support/altazionFixture";
import { AltazionServerSpec, altazionProject, configureAltazion, writeHook } from "../support/altazionProject";
import { acquireLock } from "../../providers/engine/running/lock";
import { connectFast } from "../support/faultHost";
import { TestHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PulumiProject } from "../support/pulumi";

const sha = (t: string) => createHash("sha256").update(t).digest("hex");
const HOOK_EC = "# PREINSTALL_ecommerce.ps1: the site's own web.config entry\n$rootFolder = (get-item env:E_MODULE_PATH).Value\nWrite-Output $rootFolder\n";
const HOOK_GC = "# POSTINSTALL_gestioncommerciale.ps1\n$d = $webconfig.SelectSingleNode('/configuration/e')\n";
const hooksOnHost = (h: TestHost) =>
  Object.fromEntries(hookFiles(h).map((n) => [n, fs.readFileSync(path.join(h.root, DATA_FOLDER.slice(1), "bin/updates/scripts", n), "utf8")]));
const since = (host: string, from: number) => altazionEvents(host).slice(from);
const order = (events: AltazionEvent[], pick: (e: AltazionEvent) => string | undefined) => events.map(pick).filter((x): x is string => x !== undefined);

describe("Altazion Office: two servers, five modules, hooks, through the update service's portal", function () {
  this.timeout(30 * 60 * 1000);
  const names = ["az1", "az2"];
  let hosts: Record<string, TestHost>;
  let project: PulumiProject;
  let hooks: string[];
  const mark: Record<string, number> = {};
  const servers = (): AltazionServerSpec[] => [
    {
      host: hosts.az1,
      modules: [
        { name: "ecommerce", version: "5.2.0.0" },
        { name: "gestioncommerciale", version: "latest", pools: ["gestioncommerciale"] },
      ],
      hooks,
    },
    {
      host: hosts.az2,
      modules: [
        { name: "integration", version: "latest" },
        { name: "phygitalapi", version: "5.2.0.0" },
        { name: "database", version: "latest" },
      ],
      versionCommand: altazionSite(DATA_FOLDER, "pascal").versionCommand,
      options: { statusFile: FILE_SHAPES.pascal.statusFile, applicationsFile: FILE_SHAPES.pascal.applicationsFile },
    },
  ];

  before(async () => {
    requireRoot();
    hosts = Object.fromEntries(startHosts(...names).map((h) => [h.name, h]));
    for (const [m, v] of [
      ["ecommerce", "5.2.0.0"],
      ["gestioncommerciale", "5.2.1.0"],
    ] as const)
      publish(hosts.az1, m, v);
    installAltazion(hosts.az1, { modules: { ecommerce: { version: "5.1.0.0" }, gestioncommerciale: { version: "5.1.0.0" } } });
    for (const m of ["integration", "phygitalapi", "database"] as const) publish(hosts.az2, m, "5.2.0.0");
    installAltazion(hosts.az2, {
      modules: { integration: { version: "5.1.0.0" }, phygitalapi: { version: "5.1.0.0" }, database: { version: "5.1.0.0" } },
      faults: { loop: { module: "phygitalapi", whilePoolRunning: true } },
      fileShape: "pascal",
    });
    // the document's "site left in maintenance": a leftover page in each web module of az1
    placeAppOffline(hosts.az1, "ecommerce", { bak: false, ext: "htm" });
    placeAppOffline(hosts.az1, "gestioncommerciale", { bak: true, ext: "html" });
    // the service's first detection (1 s after it starts) is its own doing: over before preview looks
    for (const n of names) await waitForEvent(n, (e) => e.event === "detect", { timeoutMs: 30_000 });
    project = new PulumiProject("az");
    project.init();
    hooks = [writeHook(project, "PREINSTALL_ecommerce.ps1", HOOK_EC), writeHook(project, "POSTINSTALL_gestioncommerciale.ps1", HOOK_GC)];
    configureAltazion(project, servers());
  });
  after(() => {
    project?.dispose();
    stopHosts(...names);
  });

  it("preview shows per module installed -> available -> target, the hooks to place, every step, and touches nothing", () => {
    for (const n of names) mark[n] = altazionEvents(n).length;
    const status = names.map((n) => statusXml(hosts[n]));
    const r = project.ok(["preview", "--diff"]);
    assert.match(r.output, /ecommerce: installed 5\.1\.0\.0 -> available 5\.2\.0\.0 -> target 5\.2\.0\.0/);
    assert.match(r.output, /gestioncommerciale: installed 5\.1\.0\.0 -> available 5\.2\.1\.0 -> target 5\.2\.1\.0/);
    assert.match(r.output, /phygitalapi: installed 5\.1\.0\.0 -> available 5\.2\.0\.0 -> target 5\.2\.0\.0/);
    assert.match(r.output, /\+ PREINSTALL_ecommerce\.ps1 \(new, 4 lines/);
    assert.match(r.output, /\+ POSTINSTALL_gestioncommerciale\.ps1 \(new/);
    for (const step of ["notify-start", "service-ready", "backup", "install", "pools-started", "maintenance", "verify", "notify-end"])
      assert.match(r.output, new RegExp(`:${step}:|${step}: \\[`), step);
    assert.match(r.output, /gestioncommerciale 5\.1\.0\.0->5\.2\.1\.0 install: \[http\] Press Installer for gestioncommerciale 5\.2\.1\.0/);
    for (const n of names) {
      const touched = since(n, mark[n]).filter((e) => e.event !== "portal" || e.method !== "GET");
      assert.deepStrictEqual(touched, [], `preview changed nothing on ${n}`);
    }
    assert.deepStrictEqual(
      names.map((n) => statusXml(hosts[n])),
      status,
    );
    assert.deepStrictEqual(hookFiles(hosts.az1), []);
  });

  it("up: every module at its target, the hooks in place and run by the service, the users told before the first install and after the last", () => {
    const started = Date.now();
    const r = project.ok(["up", "--yes", "--skip-preview"]);
    const wall = (Date.now() - started) / 1000;
    assert.deepStrictEqual(
      (["ecommerce", "gestioncommerciale"] as const).map((m) => moduleVersion(hosts.az1, m)),
      ["5.2.0.0", "5.2.1.0"],
    );
    assert.deepStrictEqual(
      (["integration", "phygitalapi", "database"] as const).map((m) => moduleVersion(hosts.az2, m)),
      ["5.2.0.0", "5.2.0.0", "5.2.0.0"],
    );
    assert.deepStrictEqual(hooksOnHost(hosts.az1), { "PREINSTALL_ecommerce.ps1": HOOK_EC, "POSTINSTALL_gestioncommerciale.ps1": HOOK_GC });
    const az1 = since("az1", mark.az1);
    const ran = az1.filter((e) => e.event === "hook").map((e) => `${e.phase}_${e.module}:${e.sha256}`);
    assert.deepStrictEqual(
      ran,
      [`PREINSTALL_ecommerce:${sha(HOOK_EC)}`, `POSTINSTALL_gestioncommerciale:${sha(HOOK_GC)}`],
      "the service ran exactly the stack's hooks, as placed",
    );
    // the hooks' variables come from the service (the module's folder and its backup, each ending with /), not from upchain
    const ec = az1.find((e) => e.event === "hook" && e.module === "ecommerce")!;
    assert.strictEqual(ec.E_MODULE_PATH, "/srv/altazion/ecommerce/");
    assert.match(String(ec.E_BACKUP_PATH), /^\/opt\/cpoint\/\[e\]\/bin\/updates\/backups\/ecommerce\/5\.1\.0\.0\/$/);
    for (const [n, modules] of [
      ["az1", "ecommerce,gestioncommerciale"],
      ["az2", "integration,phygitalapi,database"],
    ] as const) {
      const seq = order(since(n, mark[n]), (e) =>
        e.event === "notice" ? `notice ${e.phase} ${e.modules}` : e.event === "install-done" ? `done ${e.module}` : undefined,
      );
      assert.deepStrictEqual(seq, [`notice start ${modules}`, ...modules.split(",").map((m) => `done ${m}`), `notice end ${modules}`], n);
    }
    assert.match(r.output, /\[ecommerce 5\.1\.0\.0->5\.2\.0\.0 5\/9\] Press Installer for ecommerce 5\.2\.0\.0/);
    assert.deepStrictEqual(
      ["ecommerce", "gestioncommerciale", "phygitalapi"].map((m) => poolState(m === "phygitalapi" ? "az2" : "az1", m)),
      ["Started", "Started", "Started"],
    );
    // the figure the README quotes: one module's update, from its first step (the notice) to the service's install-done
    const notice = az1.find((e) => e.event === "notice")!;
    const done = az1.find((e) => e.event === "install-done" && e.module === "ecommerce")!;
    console.log(
      `      altazion: one module update (ecommerce on az1, notice to install done): ${(done.t - notice.t).toFixed(1)} s; pulumi up of 5 modules on 2 servers (phygitalapi looping twice, 3 s wait): ${wall.toFixed(0)} s`,
    );
  });

  it("phygitalapi's install looping twice: the second press after the wait, then its pool stopped, the install, and the pool started again, in that order", () => {
    const seq = order(since("az2", mark.az2), (e) =>
      e.module === "phygitalapi" || e.pool === "phygitalapi"
        ? ({ "install-loop": "loop", "install-done": "done", "pool-stop": "pool-stop", "pool-start": "pool-start" } as Record<string, string>)[e.event]
        : undefined,
    );
    assert.deepStrictEqual(seq, ["loop", "loop", "pool-stop", "done", "pool-start"]);
    const loops = since("az2", mark.az2).filter((e) => e.event === "install-loop");
    assert.ok(loops[1].t - loops[0].t >= 3, "the second press waited retryWaitSeconds");
  });

  it("a leftover maintenance page: app_offline.htm renamed to .bak when none was there; app_offline.html deleted when a .bak was", () => {
    assert.deepStrictEqual(appOfflineFiles(hosts.az1, "ecommerce"), ["app_offline.bak"]);
    assert.deepStrictEqual(appOfflineFiles(hosts.az1, "gestioncommerciale"), ["app_offline.bak"]);
    const bak = fs.readFileSync(path.join(hosts.az1.root, modulePath(hosts.az1, "gestioncommerciale").slice(1), "app_offline.bak"), "utf8");
    assert.match(bak, /ancienne/, "the .bak that was there is kept as it was");
    const renamed = fs.readFileSync(path.join(hosts.az1.root, modulePath(hosts.az1, "ecommerce").slice(1), "app_offline.bak"), "utf8");
    assert.doesNotMatch(renamed, /ancienne/, "ecommerce's .bak is its renamed app_offline.htm");
    assert.deepStrictEqual(
      appOfflineFiles(hosts.az2, "phygitalapi").filter((f) => f !== "app_offline.bak"),
      [],
      "the page the looping install left is gone too",
    );
  });

  it("up again changes nothing, refresh finds no drift; a hook removed from the stack is removed from the server, a copy kept", () => {
    const again = project.ok(["up", "--yes", "--skip-preview"]);
    assert.doesNotMatch(again.output, /\bupdated\b|\bcreated\b/);
    const refresh = project.ok(["refresh", "--yes", "--skip-preview"]);
    assert.doesNotMatch(refresh.output, /\bupdated\b/);
    hooks = hooks.slice(0, 1);
    configureAltazion(project, servers());
    const preview = project.ok(["preview", "--diff"]);
    assert.match(preview.output, /- POSTINSTALL_gestioncommerciale\.ps1 \(not declared in the stack: removed, a copy kept\)/);
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.deepStrictEqual(hookFiles(hosts.az1), ["PREINSTALL_ecommerce.ps1"]);
    const kept = run("az1", "cat /var/lib/upchain/files/altazion-office-hooks/*/POSTINSTALL_gestioncommerciale.ps1");
    assert.strictEqual(kept.out, HOOK_GC);
  });

  it("one run per server: while another run holds az1's lock, placing a changed hook is refused (LOCKED) and the hook is left as it was", async () => {
    const other = await connectFast(hosts.az1);
    const lock = await acquireLock(other, "/var/lib/upchain", "altazion-office", "20261123T120000-0f0f0f", 120);
    try {
      writeHook(project, "PREINSTALL_ecommerce.ps1", HOOK_EC + "# changed while another run works\n");
      // asynchronously: this process's lock must keep beating while pulumi runs
      const r = await project.runAsync(["up", "--yes", "--skip-preview"]);
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(r.output, /LOCKED: .*another upchain run \(20261123T120000-0f0f0f\) is working on altazion-office/);
      assert.deepStrictEqual(hooksOnHost(hosts.az1), { "PREINSTALL_ecommerce.ps1": HOOK_EC });
    } finally {
      writeHook(project, "PREINSTALL_ecommerce.ps1", HOOK_EC);
      await lock.release();
      await other.close();
    }
  });

  it("a version the service has not detected, the service stopped and in Manual mode: preview refuses with the document's diagnosis; with the remedy, up sets the start mode, starts the service, waits for the detection, and goes on", () => {
    // published after the service's last detection (it detects when it starts): on offer, not detected
    publish(hosts.az1, "ecommerce", "5.3.0.0");
    // and the portal unreachable: the service stopped, in Manual start mode
    assert.strictEqual(
      run(
        "az1",
        `/usr/local/sbin/altazion-service '[e] - service principal' stop && /usr/local/sbin/altazion-service '[e] - service principal' set-startmode Manual`,
      ).code,
      0,
    );
    const spec = servers();
    spec[0].modules[0].version = "5.3.0.0";
    configureAltazion(project, spec.slice(0, 1));
    const refused = project.run(["preview"]);
    assert.notStrictEqual(refused.code, 0, refused.output);
    assert.match(
      refused.output,
      /upchain:servers\[0\]\.modules\[0\]\.version: HOST_NOT_READY: the update service has not detected ecommerce 5\.3\.0\.0: its latest detected version is 5\.2\.0\.0/,
    );
    assert.match(refused.output, /not published yet/);
    assert.match(
      refused.output,
      /upchain:servers\[0\]\.options\.serviceName: HOST_NOT_READY: the portal \(localhost:8080\) does not answer: the update service is "Stopped" and starts "Manual" \(003: Automatic \(Delayed Start\)\)/,
    );
    const from = altazionEvents("az1").length;
    spec[0].options = { remedy: true, detectionWaitSeconds: 60 };
    configureAltazion(project, spec.slice(0, 1));
    const r = project.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(moduleVersion(hosts.az1, "ecommerce"), "5.3.0.0", r.output);
    const seq = order(since("az1", from), (e) =>
      ["startmode-set", "service-stop", "service-start", "detect", "install-done"].includes(e.event) ? e.event : undefined,
    );
    assert.deepStrictEqual(seq.slice(0, 4), ["startmode-set", "service-start", "detect", "install-done"]);
    assert.strictEqual(serviceState("az1").startMode, "AutomaticDelayedStart");
  });
});

describe("Altazion Office: bad input refused at preview, naming the field", function () {
  this.timeout(20 * 60 * 1000);
  let host: TestHost;
  let project: PulumiProject;
  before(async () => {
    requireRoot();
    [host] = startHosts("azbad");
    publish(host, "ecommerce", "5.2.0.0");
    installAltazion(host, { modules: { ecommerce: { version: "5.1.0.0" } } });
    await waitForEvent("azbad", (e) => e.event === "detect", { timeoutMs: 30_000 });
    project = altazionProject("azbad", [{ host, modules: [{ name: "ecommerce", version: "latest" }] }]);
  });
  after(() => {
    project?.dispose();
    stopHosts("azbad");
  });

  const refused = (spec: Partial<AltazionServerSpec>, expect: RegExp) => {
    configureAltazion(project, [{ host, modules: [{ name: "ecommerce", version: "latest" }], ...spec }]);
    const before = altazionEvents("azbad").filter((e) => e.event !== "portal").length;
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, expect);
    assert.strictEqual(altazionEvents("azbad").filter((e) => e.event !== "portal").length, before, "nothing ran");
  };

  it("an unknown module", () =>
    refused(
      { modules: [{ name: "boutique", version: "latest" }] },
      /upchain:servers\[0\]\.modules\[0\]\.name.*is not an Altazion module: one of gestioncommerciale, ecommerce, phygitalapi, integration, database/,
    ));
  it("a hook named with the document's other separator", () =>
    refused({ hooks: [writeHook(project, "PREINSTALL-ecommerce.ps1", "x")] }, /upchain:servers\[0\]\.hooks\[0\]: .*separates phase and module with "-"/));
  it("a hook file that is not there", () =>
    refused({ hooks: ["hooks/POSTINSTALL_ecommerce.ps1"] }, /upchain:servers\[0\]\.hooks\[0\].*hooks\/POSTINSTALL_ecommerce\.ps1 does not exist/));
  it("a target older than the installed version", () =>
    refused(
      { modules: [{ name: "ecommerce", version: "5.0.0.0" }] },
      /upchain:servers\[0\]\.modules: DOWNGRADE: .*ecommerce=5\.0\.0\.0 is older than the installed ecommerce=5\.1\.0\.0/,
    ));
});

describe("Altazion Office: a customised database, its scripts reviewed and run one by one", function () {
  this.timeout(20 * 60 * 1000);
  let host: TestHost;
  let project: PulumiProject;
  const scripts = {
    "001_tables.sql": "ALTER TABLE commandes ADD date_livraison DATETIME NULL;\n",
    "002_procedures.sql": "CREATE OR ALTER PROCEDURE ps_commandes AS SELECT 1;\n",
    "003_version.sql": "INSERT INTO schema_version VALUES ('5.2.0.0');\n",
  };
  const reviewed = Object.entries(scripts).map(([name, text]) => ({ name, sha256: sha(text) }));
  const event = (name: string) => `printf '{"t": %s, "event": "${name}"}\\n' "$(date +%s.%N)" >> /var/log/altazion-fake/events.jsonl`;
  const database = (extra: Record<string, unknown> = {}) => ({
    database: {
      sqlCommand: "/usr/local/bin/altazion-sql",
      backupCommand: event("db-backup"),
      restoreCommand: event("db-restore"),
      scriptsFolder: "/opt/cpoint/[e]/bin/updates/packages/database/{version}/scripts",
      ...extra,
    },
  });
  const spec = (extra: Record<string, unknown> = {}): AltazionServerSpec => ({
    host,
    modules: [{ name: "database", version: "latest", folder: "/srv/altazion/database" }],
    options: database(extra),
  });
  const sqlRuns = (from: number) =>
    altazionEvents("azdb")
      .slice(from)
      .filter((e) => e.event === "sql")
      .map((e) => `${e.script}:${e.result}`);

  before(() => {
    requireRoot();
    [host] = startHosts("azdb");
    publish(host, "database", "5.2.0.0", { scripts });
    installAltazion(host, { modules: { database: { version: "5.1.0.0" } }, database: { automatic: false } });
    project = altazionProject("azdb", [spec()]);
  });
  after(() => {
    project?.dispose();
    stopHosts("azdb");
  });

  it("preview and up stop with the update's scripts and their sha256, before any script runs", () => {
    const from = altazionEvents("azdb").length;
    const preview = project.run(["preview"]);
    assert.notStrictEqual(preview.code, 0);
    assert.match(preview.output, /options\.database\.reviewedScripts.*the database is customised/);
    for (const s of reviewed) assert.ok(preview.output.includes(`name: "${s.name}", sha256: "${s.sha256}"`), s.name);
    const up = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(up.code, 0);
    assert.deepStrictEqual(sqlRuns(from), []);
  });

  it("with the reviewed list, a failing script stops the run naming it, the scripts after it untouched; fixed, the next up runs them in order", () => {
    setFault(host, "sqlFail", "002_procedures.sql");
    configureAltazion(project, [spec({ reviewedScripts: reviewed })]);
    const from = altazionEvents("azdb").length;
    const failed = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(failed.code, 0);
    assert.match(failed.output, /step "Run reviewed script 2\/3 002_procedures\.sql/);
    assert.deepStrictEqual(sqlRuns(from), ["001_tables.sql:ok", "002_procedures.sql:failed"]);
    const seq = order(altazionEvents("azdb").slice(from), (e) =>
      ["db-backup", "db-restore"].includes(e.event) ? e.event : e.event === "sql" ? String(e.script) : undefined,
    );
    assert.deepStrictEqual(seq, ["db-backup", "001_tables.sql", "002_procedures.sql", "db-restore"]);
    assert.strictEqual(moduleVersion(host, "database"), "5.1.0.0");
    clearFault(host, "sqlFail");
    const again = altazionEvents("azdb").length;
    project.ok(["up", "--yes", "--skip-preview"]);
    assert.deepStrictEqual(sqlRuns(again), ["001_tables.sql:ok", "002_procedures.sql:ok", "003_version.sql:ok"]);
    assert.strictEqual(moduleVersion(host, "database"), "5.2.0.0");
  });
});
