// Altazion Office, faults under « Installer » (issue 18), through the real pulumi CLI on a real test
// host running the fake update service (tests/fixtures/altazion, written from 003): its install runs
// 12 s in the background after the press. The SSH link dropped under the press, the link down for a
// while in the middle of the install, and the controller SIGKILLed there: each run converges with both
// modules at their targets, the portal pressed once per module, and nothing restored under the
// vendor's running install. The site's portal description and version command are ALTAZION_SITE's.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ALTAZION_SITE, AltazionEvent, altazionEvents, installAltazion, moduleVersion, publish, waitForEvent } from "../../support/altazionFixture";
import { killSshSessions, linkDown, sleep } from "../../support/faultHost";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";
import { PulumiProject, killTree } from "../../support/pulumi";

const N = "azfi";
const MODULES = ["ecommerce", "gestioncommerciale"] as const;
const INSTALL_SECONDS = 12;

describe("Altazion Office: a dropped link and a killed controller during « Installer »", function () {
  this.timeout(15 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject | undefined;
  let mark = 0;
  let log = "";

  before(() => {
    requireRoot();
    [h] = startHosts(N);
  });
  after(() => stopHosts(N));
  afterEach(function () {
    if (this.currentTest?.state === "failed" && log && fs.existsSync(log)) console.log(`--- first run ---\n${fs.readFileSync(log, "utf8")}`);
    project?.dispose();
    project = undefined;
  });

  /** Both modules at 5.1.0.0 with 5.2.0.0 detected, no upchain state on the host, a new stack for them. */
  async function fresh(name: string): Promise<PulumiProject> {
    onHost(N, "rm -rf /var/lib/upchain");
    for (const m of MODULES) publish(h, m, "5.2.0.0");
    installAltazion(h, { modules: { ecommerce: { version: "5.1.0.0" }, gestioncommerciale: { version: "5.1.0.0" } }, installSeconds: INSTALL_SECONDS });
    await waitForEvent(N, (e) => e.event === "detect", { timeoutMs: 30_000 });
    mark = altazionEvents(N).length;
    const p = new PulumiProject(name);
    p.init();
    p.writeConfig({
      "upchain:servers": [
        {
          name: N,
          host: h.host,
          hostKey: h.hostKey,
          product: "altazion-office",
          // the fake runs each web module in a pool of its name (tests/fixtures/altazion README)
          modules: MODULES.map((m) => ({ name: m, version: "5.2.0.0", folder: `/srv/altazion/${m}`, pools: [m] })),
          versionCommand: ALTAZION_SITE.versionCommand,
          options: {
            portal: ALTAZION_SITE.portal,
            statusFile: ALTAZION_SITE.statusFile,
            applicationsFile: ALTAZION_SITE.applicationsFile,
            retryWaitSeconds: 3,
          },
          lockTimeoutSeconds: 10,
        },
      ],
    });
    p.setConfig("upchain:privateKey", privateKey(h), true);
    log = path.join(p.dir, "first-up.log");
    return (project = p);
  }

  const since = (): AltazionEvent[] => altazionEvents(N).slice(mark);
  const exited = (child: ReturnType<PulumiProject["start"]>) => new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  /** The host's event, or a failure as soon as the run ends without it. */
  const during = (run: Promise<number | null>, pred: (e: AltazionEvent) => boolean) =>
    Promise.race([
      waitForEvent(N, pred, { from: mark, timeoutMs: 300_000 }),
      run.then((code) => {
        throw new Error(`the run ended (exit ${code}) before the awaited event:\n${fs.readFileSync(log, "utf8")}`);
      }),
    ]);

  /** Both modules at 5.2.0.0, each pressed once and installed once, no press refused, no restore step ever started, the run's journal done. */
  function assertConverged(what: string) {
    assert.deepStrictEqual(
      MODULES.map((m) => moduleVersion(h, m)),
      ["5.2.0.0", "5.2.0.0"],
      what,
    );
    const ev = since();
    for (const m of MODULES) {
      assert.strictEqual(ev.filter((e) => e.event === "portal" && e.method === "POST" && e.module === m).length, 1, `${m} was pressed once (${what})`);
      assert.strictEqual(ev.filter((e) => e.event === "install-done" && e.module === m).length, 1, `${m} was installed once (${what})`);
    }
    assert.deepStrictEqual(
      ev.filter((e) => e.event === "install-refused"),
      [],
      `no press was refused (${what})`,
    );
    assert.strictEqual(onHost(N, "ls -d /var/lib/upchain/runs/*/restore-* 2>/dev/null || true").trim(), "", `no restore step was started (${what})`);
    const history = onHost(N, "cat /var/lib/upchain/history/*.json");
    assert.doesNotMatch(history, /"status": "restored"/, what);
    assert.doesNotMatch(history, /"kind": "restore"/, what);
    assert.strictEqual(onHost(N, "ls /var/lib/upchain/*.journal.json 2>/dev/null || true").trim(), "", `no journal left to resume (${what})`);
  }

  it("the SSH sessions cut as « Installer » is pressed (the answer lost): the run reads the portal again, waits out the install, presses nothing twice and finishes; the next up changes nothing", async () => {
    const p = await fresh("azfilost");
    const child = p.start(["up", "--yes", "--skip-preview"], log);
    const done = exited(child);
    await during(done, (e) => e.event === "portal" && e.method === "POST" && e.module === "ecommerce");
    assert.ok(killSshSessions(N) > 0, "the controller's SSH sessions were cut");
    assert.strictEqual(await done, 0, fs.readFileSync(log, "utf8"));
    assertConverged("after the run whose answer was lost");
    p.ok(["up", "--yes", "--expect-no-changes"]);
  });

  it("the link down 2 s into a 12 s install, for 8 s: the run waits while the portal shows it installing, never restores, and finishes; the next up changes nothing", async () => {
    const p = await fresh("azfilink");
    const child = p.start(["up", "--yes", "--skip-preview"], log);
    const done = exited(child);
    const begin = await during(done, (e) => e.event === "install-begin" && e.module === "ecommerce");
    await sleep(2000);
    await linkDown(N, 8000);
    assert.strictEqual(moduleVersion(h, "ecommerce"), "5.1.0.0", "the link came back before the vendor's install ended");
    assert.strictEqual(await done, 0, fs.readFileSync(log, "utf8"));
    const installed = since().find((e) => e.event === "install-done" && e.module === "ecommerce")!;
    assert.ok(installed.t - begin.t >= INSTALL_SECONDS - 1, "the install ran its whole length in the background");
    assertConverged("after the run whose link went down");
    p.ok(["up", "--yes", "--expect-no-changes"]);
  });

  it("the controller SIGKILLed 2 s into the install: preview shows the interrupted run to finish (no JOURNAL_INVALID), and the next up waits for the install, finishes both modules and restores nothing", async () => {
    const p = await fresh("azfikill");
    const child = p.start(["up", "--yes", "--skip-preview"], log);
    const done = exited(child);
    await during(done, (e) => e.event === "install-begin" && e.module === "ecommerce");
    await sleep(2000);
    assert.ok(killTree(child.pid!).length > 2, "pulumi and its plugins were killed");
    await done;
    assert.strictEqual(moduleVersion(h, "gestioncommerciale"), "5.1.0.0", "killed in the first module's install: the second is untouched");
    p.ok(["cancel", "--yes"]); // what an operator does first: release Pulumi's own stack lock
    const preview = p.ok(["preview", "--diff"]);
    assert.doesNotMatch(preview.output, /JOURNAL_INVALID/);
    assert.match(
      preview.output,
      /first finishes interrupted run \S+ \(ecommerce=5\.1\.0\.0,gestioncommerciale=5\.1\.0\.0 -> ecommerce=5\.2\.0\.0,gestioncommerciale=5\.2\.0\.0\)/,
    );
    const r = p.ok(["up", "--yes", "--skip-preview"]);
    assert.match(r.output, /resuming run \S+: ecommerce=5\.1\.0\.0,gestioncommerciale=5\.1\.0\.0 -> ecommerce=5\.2\.0\.0,gestioncommerciale=5\.2\.0\.0/);
    assertConverged("after the resumed run");
    p.ok(["up", "--yes", "--expect-no-changes"]);
  });
});
