// Preview's look at a Windows Altazion server: the same checks as on Linux (the portal, then the update
// service and its start mode when the portal does not answer, applicationspath.config, status.xml, a
// customised database's scripts in the site's folder), read in PowerShell that parses, its CRLF output
// judged as the Linux look's. Without it a Windows preview would plan a customised database as "Press
// Installer for database" and never look at the service.
import * as assert from "assert";
import { getCatalog } from "../../../../providers/catalogs";
import { windowsLook } from "../../../../providers/catalogs/altazion/windows";
import { altazionOptions } from "../../../../providers/catalogs/altazion/options";
import { HostCheck } from "../../../../providers/engine/planning/catalog";
import { assertParses, invocationsOf } from "../../../support/psParse";
import { FILES, PORTAL, statusXml } from "./fixtures";
import { FILE_CAP_BYTES, OVER_CAP } from "../../../../providers/catalogs/altazion/status";

const catalog = getCatalog("altazion-office");
const options = {
  modules: [
    { name: "database", target: "5.2.0.0", folder: "C:\\altazion\\database" },
    { name: "ecommerce", target: "5.2.0.0", folder: "C:\\inetpub\\altazion\\ecommerce" },
  ],
  dataFolder: "C:\\ProgramData\\CPoint\\[e]",
  serviceName: "[e] - service principal",
  portal: PORTAL,
  ...FILES,
  database: {
    sqlCommand: "sqlcmd -S . -b -i",
    backupCommand: "Backup-SqlDatabase -ServerInstance . -Database altazion",
    scriptsFolder: "D:\\altazion\\sql\\{version}",
  },
};
/** The plan's hops: the customised database 5.1.0.0 -> 5.2.0.0, then ecommerce. */
const hops = [
  { from: "database=5.1.0.0,ecommerce=5.1.0.0", to: "database=5.2.0.0,ecommerce=5.1.0.0", rule: { id: "r", text: "t", source: "s" } },
  { from: "database=5.2.0.0,ecommerce=5.1.0.0", to: "database=5.2.0.0,ecommerce=5.2.0.0", rule: { id: "r", text: "t", source: "s" } },
];
const applications = `<applications>\r\n  <application name="database" path="C:\\altazion\\database"/>\r\n  <application name="ecommerce" path="C:\\inetpub\\altazion\\ecommerce"/>\r\n</applications>\r\n`;
const detected = statusXml([
  { name: "database", available: "5.2.0.0" },
  { name: "ecommerce", available: "5.2.0.0" },
]).replace(/\n/g, "\r\n");

/** What the look prints on a Windows server, CRLF line ends as its console writes them. */
const printed = (portal: "up" | "down", service: string, scripts = "", files = { applications, detected }) =>
  [
    `=== upchain portal ===`,
    portal,
    `=== upchain service ===`,
    service,
    `=== upchain applications ===`,
    files.applications,
    `=== upchain status ===`,
    files.detected,
    `=== upchain scripts ===`,
    scripts,
  ].join("\r\n");

function windowsCheck(o: Record<string, unknown> = options): HostCheck {
  const checks = catalog.hostChecks!(hops, { platform: "windows", releases: [], options: o });
  const look = checks.find((c) => c.id === "update-service");
  assert.ok(look, `a Windows preview looks at the update service (checks: ${checks.map((c) => c.id).join(", ") || "none"})`);
  return look;
}
const problemsOf = (c: HostCheck, stdout: string) => {
  const r = c.judge({ code: 0, stdout, stderr: "" });
  return Array.isArray(r) ? r : r ? [{ path: c.path, message: r }] : [];
};

describe("Altazion preview on Windows looks at the server in PowerShell", () => {
  it("the look is PowerShell that parses, reads every path literally and runs no POSIX command", () => {
    const c = windowsCheck();
    assert.strictEqual(c.shell, "powershell");
    assertParses(c.command, "the Windows look");
    const names = invocationsOf(c.command).map((i) => i.name);
    for (const posix of ["cat", "ls", "sha256sum", "cut", "basename", "dirname", "printf", "echo"])
      assert.ok(!names.includes(posix), `${posix} in ${names.join(", ")}`);
    assert.ok(!/\s-Path\b/.test(c.command), "every path through -LiteralPath");
    assert.ok(c.command.includes("'D:\\altazion\\sql\\5.2.0.0'"), "the database update's scripts are read from the site's folder for the target version");
    assert.strictEqual(c.command, windowsLook(altazionOptions(options, "windows"), "5.2.0.0"));
  });

  it("a customised database without reviewed scripts is refused at options.database.reviewedScripts, not planned as Press Installer", () => {
    const problems = problemsOf(windowsCheck(), printed("up", "Running AutomaticDelayedStart\r\nexit=0", "a".repeat(64) + "\t001 schema.sql\r\n"));
    const gate = problems.find((p) => p.path === "options.database.reviewedScripts");
    assert.ok(gate, JSON.stringify(problems));
    assert.match(gate.message, /the database is customised \(options\.database\).*\{ name: "001 schema\.sql", sha256: "a{64}" \}/);
  });

  it("with the portal down, a stopped update service that starts Manual is refused at options.serviceName, naming both; with the portal up its start mode is not judged (003 looks only then)", () => {
    const reviewed = { ...options, database: { ...options.database, reviewedScripts: [{ name: "001 schema.sql", sha256: "a".repeat(64) }] } };
    const problems = problemsOf(windowsCheck(reviewed), printed("down", "Stopped Manual\r\nexit=0", "a".repeat(64) + "\t001 schema.sql\r\n"));
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["options.serviceName"],
    );
    assert.match(problems[0].message, /the update service is "Stopped" and starts "Manual"/);
    assert.deepStrictEqual(problemsOf(windowsCheck(reviewed), printed("up", "Running Automatic\r\nexit=0", "a".repeat(64) + "\t001 schema.sql\r\n")), []);
  });

  it("an update service that is not installed is refused at options.serviceName", () => {
    const problems = problemsOf(windowsCheck(), printed("down", 'the update service "[e] - service principal" is not installed on this server\r\nexit=1'));
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["options.serviceName"],
    );
  });

  it("both files are read capped (the size instead of a file over the cap) and judged in the shape the site describes: another shape is refused at options.applicationsFile and options.statusFile", () => {
    const c = windowsCheck();
    assert.ok(
      c.command.includes(`if ($file.Length -gt ${FILE_CAP_BYTES}) { Write-Output ('${OVER_CAP} ' + $file.Length) }`),
      "the look sends the size, not the file, over the cap",
    );
    const reviewed = { ...options, database: { ...options.database, reviewedScripts: [{ name: "001 schema.sql", sha256: "a".repeat(64) }] } };
    const scripts = "a".repeat(64) + "\t001 schema.sql\r\n";
    const pascal = {
      applications: `<Applications>\r\n  <Application Path="C:\\altazion\\database" Name="database"/>\r\n  <Application Path="C:\\inetpub\\altazion\\ecommerce" Name="ecommerce"/>\r\n</Applications>\r\n`,
      detected: `<Status>\r\n  <Module LastDetectedVersion="5.2.0.0" Name="database"/>\r\n  <Module LastDetectedVersion="5.2.0.0" Name="ecommerce"/>\r\n</Status>\r\n`,
    };
    const described = {
      ...reviewed,
      statusFile: { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" },
      applicationsFile: { element: "Application", moduleAttribute: "Name", pathAttribute: "Path" },
    };
    assert.deepStrictEqual(problemsOf(windowsCheck(described), printed("up", "Running AutomaticDelayedStart\r\nexit=0", scripts, pascal)), []);
    const wrong = problemsOf(windowsCheck(reviewed), printed("up", "Running AutomaticDelayedStart\r\nexit=0", scripts, pascal));
    assert.deepStrictEqual(
      wrong.map((p) => p.path),
      ["options.applicationsFile", "options.statusFile"],
    );
    assert.match(
      wrong[0].message,
      /has no <application> element whose name attribute names a module: check that options\.applicationsFile gives the element and attribute names as the server's file writes them/,
    );
    const big = problemsOf(
      windowsCheck(reviewed),
      printed("up", "Running AutomaticDelayedStart\r\nexit=0", scripts, { applications: `${OVER_CAP} 700000`, detected: `${OVER_CAP} 640000` }),
    );
    assert.deepStrictEqual(
      big.map((p) => p.path),
      ["options.dataFolder", "options.dataFolder"],
    );
    assert.match(big[0].message, /applicationspath\.config is 700000 bytes, over upchain's cap of 262144 bytes/);
    assert.match(big[1].message, /status\.xml is 640000 bytes, over upchain's cap of 262144 bytes/);
  });
});
