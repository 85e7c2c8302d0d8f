// The Windows recipe rendered as text (no PowerShell here): every step of every hop, restore and
// recovery, with folders and a service name that PowerShell would read as wildcards or break out of
// quotes; every literal closes, every path goes through -LiteralPath, the service is matched exactly.
import * as assert from "assert";
import { getCatalog } from "../../../../providers/catalogs";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { Step, stepOfAction } from "../../../../providers/engine/planning/catalog";
import { psLiterals } from "../../../support/powershell";
import { assertParses, loadPowerShellParser } from "../../../support/psParse";
import { FILE_CAP_BYTES, STRICT_VERSION } from "../../../../providers/catalogs/altazion/status";
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
  const o = offered(
    options,
    xml,
    "ecommerce=5.1.0.0,phygitalapi=5.1.0.0,integration=5.1.0.0",
    "ecommerce=latest,phygitalapi=latest,integration=latest",
    "windows",
  );
  const plan = planUpgrade(catalog, {
    installed: "ecommerce=5.1.0.0,phygitalapi=5.1.0.0,integration=5.1.0.0",
    target: o.target,
    platform: "windows",
    releases: o.releases,
    options,
  });
  const ctx = { platform: "windows" as const, releases: o.releases, options };
  return [...plan.steps, ...plan.hops.flatMap((h) => [...catalog.restoreSteps(h, ctx), ...(catalog.recoverSteps?.(h, ctx) ?? [])])];
}

describe("altazion Windows recipe, rendered as PowerShell", () => {
  it("every line's literals close, with hostile folders", () => {
    for (const s of allSteps()) {
      assert.strictEqual(s.shell, "powershell", s.id);
      const lines = [...s.commands, ...(s.action === "http" ? s.attempts : []).flatMap((a) => [...(a.before ?? []), ...(a.after ?? [])])];
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
    const install = allSteps()
      .filter((s) => s.id === "install")
      .map((s) => stepOfAction(s, "http"));
    assert.deepStrictEqual(install[1].attempts[2].before, ["Import-Module WebAdministration; Stop-WebAppPool -Name 'Phygital (store)'"]);
    assert.match(
      install[1].attempts[2].after![0],
      /if \(\(Get-WebAppPoolState -Name 'Phygital \(store\)'\)\.Value -ne 'Started'\) \{ Start-WebAppPool -Name 'Phygital \(store\)' \}/,
    );
    assert.strictEqual(install[2].attempts.length, 2, "integration has no pool");
    const maintenance = allSteps()
      .find((s) => s.id === "maintenance")!
      .commands.join("\n");
    assert.match(maintenance, /foreach \(\$n in 'app_offline\.htm', 'app_offline\.html'\)/);
    assert.match(maintenance, /if \(Test-Path -LiteralPath \$bak\) \{ Remove-Item -LiteralPath \$p -Force/);
    assert.match(maintenance, /else \{ Rename-Item -LiteralPath \$p -NewName 'app_offline\.bak'/);
  });

  it("the remedy sets Automatic (Delayed Start) with sc.exe and restarts the service by its object, bounded", () => {
    const ready = allSteps()
      .find((s) => s.id === "service-ready")!
      .commands.join("\n");
    assert.match(ready, /sc\.exe config \$svc\.Name start= delayed-auto/);
    assert.match(ready, /Restart-Service -InputObject \$svc -Force/);
    assert.match(ready, /if \(\$t -gt 1200\)/);
    assert.match(ready, /support\.altazion\.com/);
  });

  it("status.xml is read with the site's element and attribute names as literals, capped, through an XmlReader that refuses a DTD, and an odd version refused by the controller's own pattern", async () => {
    await loadPowerShellParser();
    const ready = allSteps().find((s) => s.id === "service-ready")!;
    for (const line of ready.commands) assertParses(line, "service-ready");
    const text = ready.commands.join("\n");
    assert.match(text, /\$x\.GetElementsByTagName\('module'\) \| Where-Object \{ \$_\.GetAttribute\('name'\) -ceq \$module \}/);
    assert.match(text, /\$m\.HasAttribute\('lastDetectedVersion'\)\) \{ \$m\.GetAttribute\('lastDetectedVersion'\) \}/);
    assert.match(
      text,
      /\$settings\.DtdProcessing = \[System\.Xml\.DtdProcessing\]::Prohibit; \$settings\.XmlResolver = \$null; \$settings\.MaxCharactersInDocument = 262144;/,
    );
    assert.ok(
      text.includes(
        `if ($file.Length -gt ${FILE_CAP_BYTES}) { throw ('status.xml is ' + $file.Length + ' bytes, over upchain''s cap of ${FILE_CAP_BYTES} bytes`,
      ),
    );
    assert.ok(
      text.includes(`$v -cnotmatch '\\A${STRICT_VERSION.source.slice(1, -1)}\\z'`),
      "the same pattern as status.ts, anchored so that a line end does not pass",
    );
    assert.doesNotMatch(text, /\$x\.status\.module|lastDetectedVersion -|\.lastDetectedVersion/, "no shape of its own");
    const pascal = { ...options, statusFile: { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" } };
    const step = catalog
      .hopSteps(
        {
          from: "ecommerce=5.1.0.0,phygitalapi=5.1.0.0,integration=5.1.0.0",
          to: "ecommerce=5.2.0.0,phygitalapi=5.1.0.0,integration=5.1.0.0",
          rule: { id: "r", text: "t", source: "s" },
        },
        { platform: "windows", releases: [], options: pascal },
      )
      .find((s) => s.id === "service-ready")!;
    assert.match(
      step.commands.join("\n"),
      /GetElementsByTagName\('Module'\) \| Where-Object \{ \$_\.GetAttribute\('Name'\) -ceq \$module \}.*GetAttribute\('LastDetectedVersion'\)/,
    );
  });

  it("the folders-free step says it reads only command lines, and lists the operator's part: close every explorer window on the folder", () => {
    const free = allSteps().find((s) => s.id === "folders-free")!;
    assert.strictEqual(
      free.title,
      `Check no explorer.exe, cmd.exe, powershell.exe, pwsh.exe process names ${hostile}\\ecommerce in its command line (« Avant toutes autres choses »); not visible from here, so the operator's: close every explorer window on ${hostile}\\ecommerce, and every command line whose working folder is there, for every user logged on the server (over SSH, upchain sees processes' command lines, not the folder an Explorer window shows nor a console's working folder)`,
    );
    const text = free.commands.join("\n");
    assert.doesNotMatch(text, /'no explorer or command line is open/, "never claims that no window is open");
    assert.match(text, /\(an Explorer window''s folder and a console''s working folder are not visible from here: the operator closes those\)/);
    const install = stepOfAction(
      allSteps().find((s) => s.id === "install")!,
      "http",
    );
    assert.match(
      install.giveUp,
      /^Every remedy of the document was tried \(no explorer\.exe, cmd\.exe, powershell\.exe, pwsh\.exe process names .* in its command line, as far as upchain can see;/,
    );
  });
});
