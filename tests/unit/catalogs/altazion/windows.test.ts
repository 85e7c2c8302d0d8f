// The Windows recipe rendered as text (no PowerShell here): every step of every hop, restore and
// recovery, with folders and a service name that PowerShell would read as wildcards or break out of
// quotes; every literal closes, every path goes through -LiteralPath, the service is matched exactly.
import * as assert from "assert";
import { getCatalog } from "../../../../providers/catalogs";
import { planUpgrade } from "../../../../providers/engine/planner";
import { Step } from "../../../../providers/engine/catalog";
import { psLiterals } from "../../../support/powershell";
import { FILES, PORTAL, offered, statusXml } from "./fixtures";

const catalog = getCatalog("altazion-office");
const hostile = "C:\\inetpub\\it's [e] $(calc) `n";
const options = {
  modules: [
    { name: "ecommerce", target: "latest", folder: `${hostile}\\ecommerce`, pools: ["Ecommerce"] },
    { name: "phygitalapi", target: "latest", folder: "C:\\inetpub\\phygital", pools: ["Phygital (store)"] },
    { name: "integration", target: "latest", folder: "C:\\inetpub\\hub" },
  ],
  serviceName: "[e] - service principal",
  notify: "Write-EventLog -LogName Application -Source Altazion -EventId 1 -Message $env:UPCHAIN_NOTICE",
  remedy: true,
  portal: PORTAL,
  ...FILES,
};
const xml = statusXml([
  { name: "ecommerce", available: "5.2.0.0" },
  { name: "phygitalapi", available: "5.2.0.0" },
  { name: "integration", available: "5.2.0.0" },
]);

function allSteps(): Step[] {
  const o = offered(options, xml, "ecommerce=5.1.0.0,phygitalapi=5.1.0.0,integration=5.1.0.0", "ecommerce=latest,phygitalapi=latest,integration=latest", "windows");
  const plan = planUpgrade(catalog, { installed: "ecommerce=5.1.0.0,phygitalapi=5.1.0.0,integration=5.1.0.0", target: o.target, platform: "windows", releases: o.releases, options });
  const ctx = { platform: "windows" as const, releases: o.releases, options };
  return [...plan.steps, ...plan.hops.flatMap((h) => [...catalog.restoreSteps(h, ctx), ...(catalog.recoverSteps?.(h, ctx) ?? [])])];
}

describe("altazion Windows recipe, rendered as PowerShell", () => {
  it("every line's literals close, with hostile folders", () => {
    for (const s of allSteps()) {
      assert.strictEqual(s.shell, "powershell", s.id);
      const lines = [...s.commands, ...((s as any).attempts ?? []).flatMap((a: any) => [...(a.before ?? []), ...(a.after ?? [])])];
      for (const line of lines) psLiterals(line);
    }
  });

  it("the hostile folder reaches the script as one literal, only through -LiteralPath or robocopy's arguments", () => {
    const steps = allSteps();
    const text = steps.flatMap((s) => s.commands).join("\n");
    const literals = steps.flatMap((s) => s.commands.flatMap(psLiterals));
    assert.ok(literals.some((l) => l.startsWith(`${hostile}\\ecommerce`)));
    assert.doesNotMatch(text, / -Path (?!\$private)/, "no -Path: it reads [e] as a wildcard");
    assert.match(text, /Get-Service \| Where-Object \{ \$_\.DisplayName -eq '\[e\] - service principal' -or \$_\.Name -eq '\[e\] - service principal' \}/);
    assert.doesNotMatch(text, /Get-Service -Name/);
  });

  it("the install loop stops and starts the module's own pools, and the maintenance rule renames or deletes as the document says", () => {
    const install = allSteps().filter((s) => s.id === "install") as any[];
    assert.deepStrictEqual(install[1].attempts[2].before, ["Import-Module WebAdministration; Stop-WebAppPool -Name 'Phygital (store)'"]);
    assert.match(install[1].attempts[2].after[0], /if \(\(Get-WebAppPoolState -Name 'Phygital \(store\)'\)\.Value -ne 'Started'\) \{ Start-WebAppPool -Name 'Phygital \(store\)' \}/);
    assert.strictEqual(install[2].attempts.length, 2, "integration has no pool");
    const maintenance = allSteps().find((s) => s.id === "maintenance")!.commands.join("\n");
    assert.match(maintenance, /foreach \(\$n in 'app_offline\.htm', 'app_offline\.html'\)/);
    assert.match(maintenance, /if \(Test-Path -LiteralPath \$bak\) \{ Remove-Item -LiteralPath \$p -Force/);
    assert.match(maintenance, /else \{ Rename-Item -LiteralPath \$p -NewName 'app_offline\.bak'/);
  });

  it("the remedy sets Automatic (Delayed Start) with sc.exe and restarts the service by its object, bounded", () => {
    const ready = allSteps().find((s) => s.id === "service-ready")!.commands.join("\n");
    assert.match(ready, /sc\.exe config \$svc\.Name start= delayed-auto/);
    assert.match(ready, /Restart-Service -InputObject \$svc -Force/);
    assert.match(ready, /if \(\$t -gt 1200\)/);
    assert.match(ready, /support\.altazion\.com/);
  });
});
