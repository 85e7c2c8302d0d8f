// Preview reads the host's PowerShell version as data and refuses one older than the recipe needs.
import * as assert from "assert";
import { omflow } from "../../../../providers/catalogs/omflow";
import { atLeast, hostChecksFor, powerShellVersionCheck } from "../../../../providers/engine/planning/powershellVersion";
import { hostCheckProblems } from "../../../../providers/engine/planning/precheck";
import { invocationOf } from "../../../../providers/engine/readOnHost";
import { RemoteHost } from "../../../../providers/transport/remoteHost";

/** A Windows host that answers PowerShell's version with `version`, and remembers what it was asked. */
function windowsHost(version: string) {
  const ran: string[] = [];
  const host = {
    label: "admin@win1:22",
    exec: async (command: string, o: { stdin?: string } = {}) => {
      const script = Buffer.from(o.stdin ?? "", "base64").toString("utf8");
      ran.push(`${command} <<< ${script}`);
      const asked = command.startsWith("powershell -NoProfile -NonInteractive -EncodedCommand ") && script.includes("$PSVersionTable.PSVersion");
      return { code: asked ? 0 : 1, signal: null, stdout: asked ? `${version}\r\n` : "", stderr: asked ? "" : "not a PowerShell command" };
    },
  } as unknown as RemoteHost;
  return { host, ran };
}

describe("the PowerShell version check at preview", () => {
  const check = powerShellVersionCheck("OMFLOW", "4.0");
  const judge = (stdout: string, code: number | null = 0, stderr = "") => check.judge({ code, stdout, stderr });
  const table: [string, string, string, boolean][] = [
    ["a host on 5.1 passes a 4.0 minimum", "5.1.17763.1432", "4.0", true],
    ["a host on exactly the minimum passes", "4.0", "4.0", true],
    ["a host on 3.0 is below a 4.0 minimum", "3.0", "4.0", false],
    ["a host on 2.0 is below a 2.1 minimum", "2.0", "2.1", false],
    ["a later major version passes whatever its minor", "7.0.3", "5.1", true],
  ];
  for (const [name, v, min, ok] of table) it(name, () => assert.strictEqual(atLeast(v, min), ok));

  it("reads only $PSVersionTable.PSVersion, changing nothing", () => assert.strictEqual(check.command, "$PSVersionTable.PSVersion.ToString()"));
  it("a host below the minimum is refused naming the version it runs and what to install", () => {
    assert.match(
      String(judge("3.0\r\n")),
      /this host runs PowerShell 3\.0; OMFLOW's Windows recipe uses cmdlets of Windows PowerShell 4\.0: install Windows Management Framework 4\.0/,
    );
  });
  it("a host at or above the minimum passes", () => assert.strictEqual(judge("5.1.14393.0\n"), undefined));
  it("output that is not a version is refused, not trusted", () => assert.match(String(judge("hello")), /could not read this host's PowerShell version/));
  it("preview checks it first on Windows and not at all on Linux", () => {
    const ctx = (platform: "linux" | "windows") => ({ platform, releases: omflow.defaultReleases, options: {} });
    assert.strictEqual(hostChecksFor(omflow, [], ctx("windows"))[0].id, "powershell-version");
    assert.ok(!hostChecksFor(omflow, [], ctx("linux")).some((c) => c.id === "powershell-version"));
  });

  describe("preview reaches the Windows host for it", () => {
    const windows = { platform: "windows" as const, releases: omflow.defaultReleases, options: {} };
    it("preview refuses a host that runs PowerShell 2.0, naming the field platform and what to install", async () => {
      const { host } = windowsHost("2.0");
      const problems = await hostCheckProblems(host, hostChecksFor(omflow, [], windows));
      const refused = problems.find((p) => p.path === "platform");
      assert.ok(refused, JSON.stringify(problems));
      assert.match(
        refused.message,
        /this host runs PowerShell 2\.0; OMFLOW's Windows recipe uses cmdlets of Windows PowerShell 3\.0: install Windows Management Framework 3\.0/,
      );
    });
    it("the version is read through powershell -NoProfile -NonInteractive -EncodedCommand, the script on its standard input", async () => {
      const { host, ran } = windowsHost("5.1.17763.1432");
      const problems = await hostCheckProblems(host, hostChecksFor(omflow, [], windows));
      assert.deepStrictEqual(
        problems.filter((p) => p.path === "platform"),
        [],
      );
      assert.strictEqual(ran[0], `${invocationOf({ shell: "powershell", command: "" }).line} <<< $PSVersionTable.PSVersion.ToString()`);
    });
  });
});
