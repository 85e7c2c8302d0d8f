// OMFLOW on Windows, rendered as PowerShell (no Windows host can run here): these tests read the
// scripts and check each step against 001 "Windows" and what the site supplies.
import * as assert from "assert";
import { omflow } from "../../../../providers/catalogs/omflow";
import { Step } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { assertParses } from "../../../support/psParse";

const site = {
  windowsServiceName: "OMFLOW Server",
  updaterArguments: ["/UNATTENDED-BY-SITE"],
  acceptTermsOfUse: true,
  databaseBackup: "& 'C:\\site\\dump.cmd'",
  databaseRestore: "& 'C:\\site\\load.cmd'",
};
const plan = (from: string, to: string, options: Record<string, unknown> = site) =>
  planUpgrade(omflow, { installed: from, target: to, platform: "windows", options });
const steps = (from: string, to: string, options?: Record<string, unknown>) => plan(from, to, options).steps;
const step = (all: Step[], id: string) => all.find((s) => s.id === id)!;
const ctx = (options: Record<string, unknown> = site) => ({ platform: "windows" as const, releases: omflow.defaultReleases, options });
const text = (s: Step) => s.commands.join("\n");

describe("OMFLOW on Windows, rendered as PowerShell", () => {
  it("every step, restore and recover steps included, is PowerShell with a provenance, and parses", () => {
    const p = plan("1.1.6.1", "1.2.0.1", { ...site, additionalPythonPackages: ["pymssql"], python311Installer: "C:\\py\\python-3.11.9.exe" });
    const all = [...p.steps, ...omflow.restoreSteps(p.hops[0], ctx()), ...omflow.recoverSteps!(p.hops[0], ctx())];
    for (const s of all) {
      assert.strictEqual(s.shell, "powershell", s.id);
      assert.ok(s.provenance, `${s.id} has no provenance`);
      if (s.commands.length) assertParses(s.commands.join("\n"), s.id);
    }
  });
  it("the update file runs with the site's arguments only, never an invented /S", () => {
    const t = text(step(steps("1.1.6.1", "1.1.6.3"), "run-update"));
    assert.match(t, /-ArgumentList @\('\/UNATTENDED-BY-SITE'\) -Verb RunAs -PassThru/);
    assert.ok(!/'\/S'/.test(t), t);
    assert.ok(!/'\/S'/.test(steps("1.1.6.1", "1.1.6.3", {}).map(text).join("\n")), "not even without options");
  });
  it("without the site's arguments the update step is a placeholder that refuses to run, and preview says so", () => {
    const s = step(steps("1.1.6.1", "1.1.6.3", {}), "run-update");
    assert.match(text(s), /throw '<site: options\.updaterArguments>: the update file is interactive/);
    assert.strictEqual(s.provenance?.kind, "site");
  });
  it("the accepted terms of use are shown in the update step's title", () => {
    assert.match(step(steps("1.1.6.1", "1.1.6.3"), "run-update").title, /terms of use accepted by options\.acceptTermsOfUse: true/);
    assert.match(step(steps("1.1.6.1", "1.1.6.3", {}), "run-update").title, /options\.acceptTermsOfUse: <site: options\.acceptTermsOfUse>/);
  });
  it("an update file still waiting for a click after an hour is stopped and the hop fails", () => {
    assert.match(text(step(steps("1.1.6.1", "1.1.6.3"), "run-update")), /if \(-not \$p\.WaitForExit\(3600000\)\) \{ Stop-Process -Id \$p\.Id -Force; throw/);
  });
  it("the updater's exit code is read from a cached process handle, so a good update is not taken for a failed one", () => {
    // Windows PowerShell leaves ExitCode $null for a Start-Process -PassThru process whose handle was
    // never read (PowerShell issue #5421): the handle is read right after the start, before the wait
    const c = step(steps("1.1.6.1", "1.1.6.3"), "run-update").commands;
    const start = c.findIndex((l) => /^\$p = Start-Process .* -Verb RunAs -PassThru$/.test(l));
    assert.ok(start >= 0, c.join("\n"));
    assert.strictEqual(c[start + 1], "$null = $p.Handle");
    assert.ok(c.findIndex((l) => /WaitForExit/.test(l)) > start + 1);
    assert.match(c.join("\n"), /if \(\$null -eq \$p\.ExitCode\) \{ throw/);
  });
  it("the work folder (update file, marker, Python installer) is beside the restore point, private, never inside the install folder", () => {
    const p = plan("1.1.6.1", "1.2.0.0", {
      ...site,
      additionalPythonPackages: ["pymssql"],
      python311Installer: "C:\\py\\python-3.11.9.exe",
      patches: { "1.2.0.0": "C:\\site\\update-1.2.0.0.exe" },
    });
    const work = "C:\\Program Files\\OMFLOW-upchain-backups\\1.1.6.1-to-1.2.0.0.work";
    const uploads = p.steps.filter((s) => s.action === "upload").map((s) => (s.action === "upload" ? s.destination : ""));
    assert.deepStrictEqual(uploads, [`${work}\\update-1.2.0.0.exe`, `${work}\\python-3.11.9.exe`]);
    const all = p.steps.map(text).join("\n");
    assert.ok(!all.includes("C:\\Program Files\\OMFLOW Server\\tmp"), "nothing is put inside the install folder");
    assert.ok(text(step(p.steps, "verify")).includes(`'${work}\\update-started'`));
    // the restore points' folder is made private (Administrators and SYSTEM) by the backup, before anything is uploaded
    assert.ok(step(p.steps, "backup").commands.some((l) => l.startsWith("$private = 'C:\\Program Files\\OMFLOW-upchain-backups';")));
  });
  it("the backup is upchain's safety, like Linux's: 001 says to back up first and refers to a section that is not among the documents", () => {
    const b = step(steps("1.1.6.1", "1.1.6.3"), "backup");
    assert.strictEqual(b.provenance?.kind, "safety");
    assert.match(b.provenance?.kind === "safety" ? b.provenance.note : "", /Please backup OMFLOW first/);
  });
  it("verify cites Windows step 6 (the service restarts by itself after the update), not Linux's Error Handling", () => {
    const v = step(steps("1.1.6.1", "1.1.6.3"), "verify");
    assert.strictEqual(v.provenance?.kind === "document" && v.provenance.section, "Windows, General Version Update Steps 6");
    assert.match(v.provenance?.kind === "document" ? v.provenance.quote : "", /OMFLOW service will automatically restart/);
  });
  it("verify is the document's criterion: the service runs and restarted after the update began; no VERSION file is read", () => {
    const all = steps("1.1.6.1", "1.1.6.3");
    const v = step(all, "verify");
    assert.match(text(v), /\(Get-Service -Name 'OMFLOW Server'\)\.Status -ne 'Running'/);
    assert.match(text(v), /if \(\$since -lt \$began\) \{ throw/);
    assert.ok(!/VERSION/.test(all.map(text).join("\n")));
    assert.strictEqual(v.provenance?.kind, "document");
  });
  it("the backup stops OMFLOW and mirrors the install folder with robocopy (hidden files kept), never Compress-Archive", () => {
    const b = step(steps("1.1.6.1", "1.1.6.3"), "backup");
    const t = text(b);
    assert.ok(!/Compress-Archive|Remove-Item/.test(t), t);
    const at = (re: RegExp) => b.commands.findIndex((c) => re.test(c));
    assert.ok(
      at(/Stop-Service -Name 'OMFLOW Server'/) <
        at(/robocopy 'C:\\Program Files\\OMFLOW Server' 'C:\\Program Files\\OMFLOW-upchain-backups\\1\.1\.6\.1-to-1\.1\.6\.3\\install' \/MIR/),
    );
    assert.ok(at(/icacls \$private \/inheritance:r/) >= 0);
  });
  it("the database is dumped with the site's command while OMFLOW is stopped, and only then is the restore point complete", () => {
    const all = steps("1.1.6.1", "1.1.6.3");
    const ids = all.map((s) => s.id);
    assert.deepStrictEqual(ids.slice(0, 3), ["backup", "backup-database", "start-after-backup"]);
    const db = step(all, "backup-database");
    assert.match(
      text(db),
      /Set-Location -LiteralPath 'C:\\Program Files\\OMFLOW-upchain-backups\\1\.1\.6\.1-to-1\.1\.6\.3\\database'\n& 'C:\\site\\dump\.cmd'/,
    );
    assert.match(
      db.commands[db.commands.length - 1],
      /^Set-Content -LiteralPath 'C:\\Program Files\\OMFLOW-upchain-backups\\1\.1\.6\.1-to-1\.1\.6\.3\\complete'/,
    );
    assert.deepStrictEqual(db.provenance, { kind: "site", field: "options.databaseBackup", note: db.provenance!.kind === "site" ? db.provenance!.note : "" });
  });
  it("the restore mirrors the copy back (nothing emptied first), then loads the database with the site's command", () => {
    const [files, db] = omflow.restoreSteps(plan("1.1.6.1", "1.1.6.3").hops[0], ctx());
    assert.match(
      files.commands[0],
      /if \(-not \(Test-Path -LiteralPath 'C:\\Program Files\\OMFLOW-upchain-backups\\1\.1\.6\.1-to-1\.1\.6\.3\\complete'\)\) \{ throw/,
    );
    assert.match(text(files), /robocopy '[^']+\\install' 'C:\\Program Files\\OMFLOW Server' \/MIR/);
    assert.ok(!/Remove-Item|Expand-Archive/.test(text(files)));
    assert.match(text(db), /& 'C:\\site\\load\.cmd'/);
  });
  it("after a failed hop OMFLOW is started again, but not after a failed restore (a half-restored OMFLOW stays stopped)", () => {
    const [r] = omflow.recoverSteps!(plan("1.1.6.1", "1.1.6.3").hops[0], ctx());
    assert.ok(!r.always);
    assert.match(text(r), /Start-Service -Name 'OMFLOW Server'/);
  });
  it("a hop crossing 1.2.0.0 installs Python 3.11 (32 bit) in the install folder's Python311 and the site's packages, before the update file", () => {
    const all = steps("1.1.6.1", "1.2.0.1", {
      ...site,
      windowsInstallDir: "D:\\Apps\\OMFLOW Server",
      additionalPythonPackages: ["pymssql==2.2.8"],
      python311Installer: "C:\\py\\python-3.11.9.exe",
    });
    const ids = all.map((s) => s.id);
    assert.ok(
      ids.indexOf("install-python311") < ids.indexOf("install-additional-packages") && ids.indexOf("install-additional-packages") < ids.indexOf("run-update"),
      ids.join(", "),
    );
    assert.match(text(step(all, "install-python311")), /'TargetDir=D:\\Apps\\OMFLOW Server\\Python311'/);
    assert.match(
      text(step(all, "install-additional-packages")),
      /Set-Location -LiteralPath 'D:\\Apps\\OMFLOW Server\\Python311'\n& \.\\python\.exe -m pip install 'pymssql==2\.2\.8'/,
    );
  });
  it("a hop crossing 1.2.0.0 at a site that added no Python packages has no Python steps (the document's condition)", () => {
    const ids = steps("1.1.6.1", "1.2.0.1", { ...site, additionalPythonPackages: [] }).map((s) => s.id);
    assert.ok(!ids.some((id) => /python|packages/.test(id)), ids.join(", "));
  });
  it("a hop that does not cross 1.2.0.0 has no Python steps", () => {
    assert.ok(!steps("1.2.0.1", "1.2.1.0").some((s) => /python/.test(s.id)));
  });
  it("a value with a quote cannot break out of its PowerShell string", () => {
    const s = step(steps("1.1.6.1", "1.1.6.3", { ...site, windowsServiceName: "OMFLOW'; Remove-Item $env:SystemDrive -Recurse; '" }), "wait-service");
    assert.match(text(s), /'OMFLOW''; Remove-Item \$env:SystemDrive -Recurse; '''/);
  });
});
