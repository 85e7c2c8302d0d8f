// The Windows edition (004's own platform), rendered and parsed with the real PowerShell grammar: the
// site's home commands run with $env:ORACLE_HOME set, the failing component from this run's part of
// iasua.log, the source's EM Web Site stopped once em_loc names it, 004's tools without an extension,
// and every step's script parsing.
import * as assert from "assert";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { assertParses, loadPowerShellParser } from "../../../support/psParse";

const options = {
  sourceHome: "D:\\oracle\\ias902",
  destinationHome: "D:\\oracle\\ias1012",
  windowsSourceService: "OracleIAS902ProcessManager",
  windowsDestinationService: "OracleIAS1012ProcessManager",
  installers: { patchSet: "& C:\\site\\patch.ps1", destination: "& C:\\site\\install.ps1" },
  iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
  infrastructureCheck: "& C:\\site\\infra.ps1",
  homeCommands: {
    start: "& C:\\site\\home.ps1 start",
    stop: "& C:\\site\\home.ps1 stop",
    emRunning: "& C:\\site\\home.ps1 em-running",
    emStart: "& C:\\site\\home.ps1 em-start",
    reportsServerName: "& C:\\site\\home.ps1 reports-name",
  },
  oc4jMaxHeap: "1024m",
  webCacheMember: true,
  webCache: { propagateCommand: "& C:\\site\\propagate.ps1" },
  decommissionSource: true,
  components: ["oc4j", "reports"],
  postUpgradeTasks: {
    jaznLibraryPaths: { applicationXml: "D:\\oracle\\ias1012\\j2ee\\home\\config\\application.xml" },
    jaznDataFiles: "done",
    applicationXmlCustomizations: "done",
    bc4jRepackaging: "done",
    reportsFiles: "done",
    reportsStandaloneServers: "& C:\\site\\reports.ps1",
  },
};
const steps = () => planUpgrade(oracleAs, { installed: "9.0.2.0", target: "10.1.2", platform: "windows", options }).steps;
const text = (id: string) =>
  steps()
    .find((s) => s.id === id)!
    .commands.join("\n");

describe("oracle-as on Windows", () => {
  before(() => loadPowerShellParser());

  it("every step of the chain, and its restore and recovery, parses with the PowerShell grammar", () => {
    const p = planUpgrade(oracleAs, { installed: "9.0.2.0", target: "10.1.2", platform: "windows", options });
    const ctx = { platform: "windows" as const, releases: oracleAs.defaultReleases, options };
    for (const s of [...p.steps, ...p.hops.flatMap((h) => [...oracleAs.restoreSteps(h, ctx), ...oracleAs.recoverSteps!(h, ctx)])])
      assertParses(s.commands.join("\n"), s.id);
  });

  it("the Reports server name is what the site's command prints, with $env:ORACLE_HOME the destination; none printed fails", () => {
    const reports = text("reports-server-name");
    assert.match(
      reports,
      /\$env:ORACLE_HOME = 'D:\\oracle\\ias1012'; \$global:LASTEXITCODE = 0; \$name = \[string\]\(& \{\n& C:\\site\\home\.ps1 reports-name\n\} \| Select-Object -First 1\)/,
    );
    assert.match(reports, /options\.homeCommands\.reportsServerName printed no name for D:\\oracle\\ias1012/);
    assert.doesNotMatch(reports, /server\(_name\)|SERVER_NAME/i, "no key 004 does not name");
  });

  it("starting and stopping a home is the site's command with $env:ORACLE_HOME set, failing on a non-zero exit; a missing home is skipped", () => {
    const stop = steps()
      .filter((s) => s.id === "stop-opmn")[1]
      .commands.join("\n");
    assert.match(
      stop,
      /if \(Test-Path -LiteralPath 'D:\\oracle\\ias1012'\) \{ \$env:ORACLE_HOME = 'D:\\oracle\\ias1012'; \$global:LASTEXITCODE = 0; & \{\n& C:\\site\\home\.ps1 stop\n\}; if \(\$global:LASTEXITCODE -ne 0\) \{ throw \('options\.homeCommands\.stop exited '/,
    );
    assert.ok(stop.indexOf("ias1012") < stop.lastIndexOf("'D:\\oracle\\ias902'"), "the source is stopped last");
    assert.match(text("start-destination"), /\$env:ORACLE_HOME = 'D:\\oracle\\ias1012'; .*& \{\n& C:\\site\\home\.ps1 start\n\}/);
    assert.doesNotMatch(
      steps()
        .map((s) => s.commands.join("\n"))
        .join("\n"),
      /Start-Service|Stop-Service|opmnctl\S* (startall|stopall|status)/,
      "how a home starts and stops is the site's",
    );
  });

  it("004's tools are run as it writes them, without an extension (Windows finds it through PATHEXT)", () => {
    const all = steps()
      .map((s) => s.commands.join("\n"))
      .join("\n");
    assert.doesNotMatch(all, /(emctl|dcmctl|opmnctl)\.(bat|exe)/);
    assert.match(text("start-console"), /& 'D:\\oracle\\ias1012\\bin\\emctl' start iasconsole/);
    assert.match(text("leave-farm"), /& 'D:\\oracle\\ias902\\dcm\\bin\\dcmctl' leavefarm/);
    assert.ok(all.includes("iasua.bat"), "iasua.bat is 004's own name (l.53, l.72)");
  });

  it("the failing component is read only from what this run added to iasua.log", () => {
    assert.match(text("upgrade-assistant"), /\$before = \[IO\.File\]::ReadAllBytes\(\$log\)\.Length/);
    assert.match(text("upgrade-assistant"), /GetString\(\$all, \$before/);
  });

  it("the SSL check keeps the source's SSL on, as on Linux: the source's opmn.xml start-mode is read too", () => {
    const ssl = text("check-ssl");
    assert.ok(ssl.includes("'D:\\oracle\\ias902\\opmn\\conf\\opmn.xml'"), "the source's opmn.xml");
    assert.match(ssl, /the source started Oracle HTTP Server with SSL/);
  });

  it("whether the EM Web Site runs is the site's emRunning, asked in a scope that continues (a native tool's redirected stderr is not fatal) and reads a throw as no", () => {
    assert.match(
      text("stop-em-web-site"),
      /\(& \{ \$ErrorActionPreference = 'Continue'; \$env:ORACLE_HOME = \$emHome; \$global:LASTEXITCODE = 0; try \{ & \{\n& C:\\site\\home\.ps1 em-running\n\} 2>&1 \| Out-Null; \$global:LASTEXITCODE -eq 0 \} catch \{ \$false \} \}\)/,
    );
    assert.doesNotMatch(text("stop-em-web-site"), /emctl' status|\$emctl status|is running'/);
  });

  it("the source's EM Web Site is stopped once em_loc names it; another home is refused with the operator's emctl switch home", () => {
    const stop = text("stop-em-web-site");
    assert.match(stop, /em_loc/);
    assert.match(
      stop,
      /if \(\$em -ne 'D:\\oracle\\ias902'\) \{ throw \('the registry value HKLM\\SOFTWARE\\ORACLE\\em_loc names ' \+ \$em \+ ' as the active Enterprise Manager home, not the source home D:\\oracle\\ias902\. /,
    );
    assert.match(stop, /emctl switch home and choose D:\\oracle\\ias902 in the dialog box it opens/);
    assert.ok(stop.indexOf("emctl switch home") < stop.indexOf("& $emctl stop"), "refused before anything stops");
    assert.match(stop, /\$emctl = if \(\$emHome\) \{ Join-Path \$emHome 'bin\\emctl' \}/);
  });

  it("propagation is opmnctl startproc then the site's command; webcachectl is never used", () => {
    assert.match(text("web-cache-start"), /& 'D:\\oracle\\ias1012\\opmn\\bin\\opmnctl' startproc ias-component=WebCache/);
    assert.strictEqual(text("web-cache-propagate"), "& C:\\site\\propagate.ps1");
    assert.ok(!steps().some((s) => /webcachectl/.test(s.commands.join("\n"))));
  });
});
