// Windows recipes are rendered, not run (no Windows host here): these tests read them as scripts.
import * as assert from "assert";
import { omflow } from "../../../providers/catalogs/omflow";
import { planUpgrade } from "../../../providers/engine/planner";

const plan = (from: string, to: string, options: Record<string, unknown> = {}) =>
  planUpgrade(omflow, { installed: from, target: to, platform: "windows", options });
const step = (p: ReturnType<typeof plan>, hop: string, id: string) => p.steps.find((s) => s.hop === hop && s.id === id)!;

describe("OMFLOW on Windows, rendered as PowerShell", () => {
  it("every step is PowerShell, and each hop starts with a backup", () => {
    const p = plan("1.1.6.1", "1.2.0.1");
    assert.ok(p.steps.every((s) => s.shell === "powershell"));
    for (const h of p.hops) assert.strictEqual(p.steps.find((s) => s.hop === `${h.from}->${h.to}`)!.action, "backup");
  });
  it("runs the update file elevated, waits for it, and fails on a non-zero exit", () => {
    const s = step(plan("1.1.6.1", "1.1.6.3", { patches: { "1.1.6.3": "C:\\updates\\OMFLOW 1.1.6.3.exe" } }), "1.1.6.1->1.1.6.3", "run-update");
    assert.match(s.commands.join("\n"), /Start-Process -FilePath 'C:\\Program Files\\OMFLOW Server\\tmp\\upchain\\1\.1\.6\.3\\OMFLOW 1\.1\.6\.3\.exe' -ArgumentList '\/S' -Verb RunAs -Wait -PassThru/);
    assert.match(s.commands.join("\n"), /if \(\$p\.ExitCode -ne 0\) \{ throw/);
  });
  it("waits for the service to restart by itself, with a deadline", () => {
    const s = step(plan("1.1.6.1", "1.1.6.3"), "1.1.6.1->1.1.6.3", "wait-service");
    assert.match(s.commands[0], /Get-Service -Name 'OMFLOW Server'\)\.Status -ne 'Running'/);
    assert.match(s.commands[0], /AddSeconds\(600\)/);
  });
  it("the 1.2.0.0 hop installs Python 3.11 at the document's path, then installs missing packages until none are", () => {
    const p = plan("1.1.6.1", "1.2.0.0");
    const py = step(p, "1.1.6.1->1.2.0.0", "install-python311").commands.join("\n");
    assert.match(py, /'TargetDir=' \+ 'C:\\PROGRA~1\\OMFLOW Server\\Python311'/);
    const pkgs = step(p, "1.1.6.1->1.2.0.0", "install-missing-packages").commands.join("\n");
    assert.match(pkgs, /for \(\$round = 1; \$round -le 5; \$round\+\+\)/);
    assert.match(pkgs, /-m pip install --no-index --find-links/);
    assert.match(pkgs, /still missing after 5 rounds/);
    const order = p.steps.filter((s) => s.hop === "1.1.6.1->1.2.0.0").map((s) => s.id);
    assert.ok(order.indexOf("install-missing-packages") < order.indexOf("run-update"), "the environment is ready before the update runs");
  });
  it("a value with a quote cannot break out of its PowerShell string", () => {
    // a service name may not hold "\" (Windows refuses it), so the payload names the drive by its variable
    const s = step(plan("1.1.6.1", "1.1.6.3", { windowsServiceName: "OMFLOW'; Remove-Item $env:SystemDrive -Recurse; '" }), "1.1.6.1->1.1.6.3", "wait-service");
    assert.match(s.commands[0], /'OMFLOW''; Remove-Item \$env:SystemDrive -Recurse; '''/);
  });
  it("below 1.1.4.0 each update is its own hop, in version order", () => {
    assert.deepStrictEqual(plan("1.1.2.0", "1.1.4.1").hops.map((h) => h.to), ["1.1.3.0", "1.1.4.0", "1.1.4.1"]);
  });
  it("the backup restricts the restore points' folder first, moves an earlier restore point aside, and ends with the complete marker", () => {
    const s = step(plan("1.1.6.1", "1.1.6.3"), "1.1.6.1->1.1.6.3", "backup");
    const t = s.commands.join("\n");
    assert.ok(!/Remove-Item/.test(t), "the backup removes nothing");
    const at = (re: RegExp) => s.commands.findIndex((c) => re.test(c));
    const restrict = at(/icacls \$private \/inheritance:r/);
    const aside = at(/Move-Item -LiteralPath 'C:\\Program Files\\OMFLOW-upchain-backups\\1\.1\.6\.1-to-1\.1\.6\.3' -Destination \$aside/);
    const archive = at(/Compress-Archive/);
    assert.ok(restrict >= 0 && aside > restrict && archive > aside, t);
    assert.ok(s.commands[restrict].startsWith("$private = 'C:\\Program Files\\OMFLOW-upchain-backups';"), "the folder beside the install folder, written without ..");
    assert.match(s.commands[s.commands.length - 1], /^Set-Content -LiteralPath \(Join-Path '[^']+' 'complete'\)/);
  });
  it("the restore refuses a restore point without the complete marker before it stops anything", () => {
    const p = plan("1.1.6.1", "1.1.6.3");
    const r = omflow.restoreSteps(p.hops[0], { platform: "windows", releases: omflow.defaultReleases, options: {} })[0];
    assert.match(r.commands[0], /if \(-not \(Test-Path -LiteralPath \(Join-Path 'C:\\Program Files\\OMFLOW-upchain-backups\\1\.1\.6\.1-to-1\.1\.6\.3' 'complete'\)\)\) \{ throw/);
    assert.ok(r.commands.findIndex((c) => c.includes("Stop-Service")) > 0);
  });
});
