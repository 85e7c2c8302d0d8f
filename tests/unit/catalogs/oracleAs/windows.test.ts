// The Windows edition (004's own platform), rendered and parsed with the real PowerShell grammar: the
// Reports server name read from rwservlet.properties as on Linux, the failing component from this
// run's part of iasua.log, the EM Web Site stopped in em_loc's home without a refusal, and every new
// step's script parsing.
import * as assert from "assert";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { linuxCommands } from "../../../../providers/catalogs/oracleAs/linux";
import { oracleAsOptions } from "../../../../providers/catalogs/oracleAs/options";
import { planUpgrade } from "../../../../providers/engine/planner";
import { assertParses, loadPowerShellParser } from "../../../support/psParse";

const options = {
  sourceHome: "D:\\oracle\\ias902", destinationHome: "D:\\oracle\\ias1012", windowsSourceService: "OracleIAS902ProcessManager", windowsDestinationService: "OracleIAS1012ProcessManager",
  installers: { patchSet: "& C:\\site\\patch.ps1", destination: "& C:\\site\\install.ps1" }, iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN", infrastructureCheck: "& C:\\site\\infra.ps1",
  oc4jMaxHeap: "1024m", webCacheMember: true, webCache: { propagateCommand: "& C:\\site\\propagate.ps1" }, decommissionSource: true,
  components: ["oc4j", "reports"],
  postUpgradeTasks: { jaznLibraryPaths: { applicationXml: "D:\\oracle\\ias1012\\j2ee\\home\\config\\application.xml" }, jaznDataFiles: "done", applicationXmlCustomizations: "done", bc4jRepackaging: "done", reportsFiles: "done", reportsStandaloneServers: "& C:\\site\\reports.ps1" },
};
const steps = () => planUpgrade(oracleAs, { installed: "9.0.2.0", target: "10.1.2", platform: "windows", options }).steps;
const text = (id: string) => steps().find((s) => s.id === id)!.commands.join("\n");

describe("oracle-as on Windows", () => {
  before(() => loadPowerShellParser());

  it("every step of the chain, and its restore and recovery, parses with the PowerShell grammar", () => {
    const p = planUpgrade(oracleAs, { installed: "9.0.2.0", target: "10.1.2", platform: "windows", options });
    const ctx = { platform: "windows" as const, releases: oracleAs.defaultReleases, options };
    for (const s of [...p.steps, ...p.hops.flatMap((h) => [...oracleAs.restoreSteps(h, ctx), ...oracleAs.recoverSteps!(h, ctx)])]) assertParses(s.commands.join("\n"), s.id);
  });

  it("the Reports server name is read from rwservlet.properties as on Linux: SERVER= or SERVER_NAME=, any case", () => {
    const linux = linuxCommands(oracleAsOptions({}, "linux"), { from: "9.0.4", to: "10.1.2", rule: { id: "", text: "", source: "" } }).reports.valueCommand;
    assert.match(linux, /\[Ss\]\[Ee\]\[Rr\]\[Vv\]\[Ee\]\[Rr\]\\\(_\[Nn\]\[Aa\]\[Mm\]\[Ee\]\\\)/, "Linux reads SERVER or SERVER_NAME, any case");
    assert.match(text("reports-server-name"), /-Pattern '\^server\(_name\)\?=\(\.\*\)\$'/);
    assert.match(text("reports-server-name"), /Groups\[2\]/);
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

  it("emctl status is read in a scope that continues: its redirected stderr is not fatal under 'Stop'", () => {
    assert.match(text("stop-em-web-site"), /& \{ \$ErrorActionPreference = 'Continue'; \(& \$emctl status 2>&1/);
  });

  it("the EM Web Site is stopped in em_loc's home with no refusal when it is not the source", () => {
    const stop = text("stop-em-web-site");
    assert.match(stop, /em_loc/);
    assert.doesNotMatch(stop, /names another active EM home/);
    assert.match(stop, /& \$emctl stop/);
  });

  it("propagation is opmnctl startproc then the site's command; webcachectl is never used", () => {
    assert.match(text("web-cache-start"), /opmnctl\.exe' startproc ias-component=WebCache/);
    assert.strictEqual(text("web-cache-propagate"), "& C:\\site\\propagate.ps1");
    assert.ok(!steps().some((s) => /webcachectl/.test(s.commands.join("\n"))));
  });
});
