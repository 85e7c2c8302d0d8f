// Oracle AS middle tier on Windows (the document's own platform, PowerShell over OpenSSH): the
// commands of the document's steps (outline.ts). Rendered and tested as scripts: no Windows host can
// run here. The active EM home is read from the registry key the document names (em_loc); which home
// starts at boot is its OPMN service's start type. The document's tools are run as it writes them,
// without an extension (bin\emctl, dcm\bin\dcmctl): 004 gives none, and Windows finds the file through
// PATHEXT as it does for any command path without one. Starting and stopping a home, asking whether
// its EM Web Site runs, starting that again and reading the Reports server's name are the site's
// (homeCommands.ts): 004 gives no command for them. Every value is quoted with quotePowerShell; what
// the host's files say is matched against a pattern before it is used.
import { Hop } from "../../engine/planning/catalog";
import { quotePowerShell as q } from "../../quote";
import { privateFolderPs } from "../privateFolder";
import { switchHomeAdvice } from "./emSwitch";
import { HomeCommand, homeCommandField, inHomePs, inHomePsSucceeds } from "./homeCommands";
import { OracleAsOptions } from "./options";
import { OracleAsCommands } from "./outline";
import { TARGET } from "./rules";

const strict = "$ErrorActionPreference = 'Stop'";
const join = (home: string, ...p: string[]) => [home, ...p].join("\\");

/** Run a native tool and fail on a non-zero exit code (PowerShell does not by itself). */
const exe = (path: string, ...args: string[]) =>
  `& ${q(path)} ${args.join(" ")}; if ($LASTEXITCODE -ne 0) { throw (${q(path)} + ' exited ' + $LASTEXITCODE) }`.replace("  ;", ";");

const installer = (cmd: string | undefined, option: string) => cmd ?? `throw ${q(`options.installers.${option} is not set`)}`;

/** The site's home command, or a line that fails and names the option (preflight stops it first). */
const site = (o: OracleAsOptions, k: HomeCommand) => o.homeCommands[k] ?? `throw ${q(`${homeCommandField(k)} is not set`)}`;

export function windowsCommands(o: OracleAsOptions, hop: Hop): OracleAsCommands {
  const src = o.sourceHome;
  const dest = o.destinationHome ?? "";
  const tenG = hop.to === TARGET;
  const srcSvc = q(o.windowsSourceService ?? "(options.windowsSourceService)");
  const destSvc = q(o.windowsDestinationService ?? "(options.windowsDestinationService)");
  const emSaved = join(o.backupDir, `em-before-${hop.to}`);
  const point = join(o.backupDir, `${hop.from}-before-${hop.to}`);
  // the EM Web Site's emctl in the home the stop step found active (emSaved's second line)
  const emHome = `$emHome = (Get-Content -LiteralPath ${q(emSaved)} -ErrorAction SilentlyContinue | Select-Object -Skip 1 -First 1); $emctl = if ($emHome) { Join-Path $emHome 'bin\\emctl' } else { '' }`;
  // the site's start of a home; its stop, only where the home is there (a failed install leaves none)
  const startHome = (home: string) => inHomePs(q(home), site(o, "start"), homeCommandField("start"));
  const stopHome = (home: string) =>
    `if (Test-Path -LiteralPath ${q(home)}) { ${inHomePs(q(home), site(o, "stop"), homeCommandField("stop"))} } else { Write-Output ${q(`${home} is not there: nothing of it runs`)} }`;
  // the site's answer whether the EM Web Site of the home in $emHome runs
  const emRunning = inHomePsSucceeds("$emHome", site(o, "emRunning"));
  // the operator's emctl switch home, around the active home the host names ($em)
  const advice = switchHomeAdvice("the registry value HKLM\\SOFTWARE\\ORACLE\\em_loc", "\u0001", src, "\\").split("\u0001");
  const home = tenG ? dest : src;
  const mirror = (from: string, to: string) =>
    `robocopy ${from} ${to} /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy ' + ${from} + ' exited ' + $LASTEXITCODE) }`;
  // a file edit like the Linux executor's: a copy aside first, then the new text through a temp file beside it
  const editFile = (file: string, transform: string) =>
    `$f = ${q(file)}; $old = [IO.File]::ReadAllText($f); $new = ${transform}; if ($new -ne $old) { Copy-Item -LiteralPath $f -Destination ($f + '.upchain.bak') -Force; [IO.File]::WriteAllText($f + '.upchain.tmp', $new); Move-Item -LiteralPath ($f + '.upchain.tmp') -Destination $f -Force; Write-Output ('edited ' + $f) } else { Write-Output ($f + ' already right') }`;
  return {
    shell: "powershell",
    emSaved,
    checkInfrastructure: [strict, o.infrastructureCheck ?? `throw ${q("options.infrastructureCheck is not set")}`],
    installDestination: [
      strict,
      // 004: the Upgrade Assistant is installed in the new home's upgrade folder; there, an earlier attempt installed it
      `if (Test-Path -LiteralPath ${q(join(dest, "upgrade", "iasua.bat"))}) { Write-Output ${q(`${dest} already holds the ${TARGET} Upgrade Assistant (an earlier attempt installed it); not installed again`)} } else { ` +
        `if ((Test-Path -LiteralPath ${q(dest)}) -and (Get-ChildItem -LiteralPath ${q(dest)} -Force | Select-Object -First 1)) { throw ${q(`${dest} exists, is not empty and holds no ${TARGET}: the installer needs a new folder`)} }; ` +
        `${installer(o.installers.destination, "destination")} }`,
    ],
    stopEmWebSite: [
      strict,
      privateFolderPs(o.backupDir),
      // 004 l.30-36 (emSwitch.ts): the source must hold the active Enterprise Manager (the registry's
      // em_loc; none named: the source), then SOURCE_ORACLE_HOME\bin\emctl stop. Another active home
      // needs the operator's emctl switch home (a dialog box): refused here as at preview, before
      // anything stops. The home is data, a plain full path. A resumed run keeps what the first saw.
      `if (-not (Test-Path -LiteralPath ${q(emSaved)})) { $em = (Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\ORACLE' -Name em_loc -ErrorAction SilentlyContinue).em_loc; if (-not $em) { $em = ${q(src)} }; $em = ([string]$em).TrimEnd('\\'); ` +
        `if ($em -notmatch '^[A-Za-z]:\\\\[A-Za-z0-9 ._\\\\-]*$') { throw 'the registry''s em_loc is not a plain full path' }; ` +
        `if ($em -ne ${q(src.replace(/\\+$/, ""))}) { throw (${q(advice[0])} + $em + ${q(advice[1])}) }; $emHome = $em; ` +
        `$s = if (${emRunning}) { 'ran' } else { 'stopped' }; Set-Content -LiteralPath ${q(emSaved)} -Value @($s, $em) }`,
      emHome,
      `Write-Output ('the EM Web Site''s home is ' + $emHome)`,
      `if (${emRunning}) { ${o.iasAdminPassword ? `$env:${o.iasAdminPassword.slice(1)}` : "''"} | & $emctl stop; if ($LASTEXITCODE -ne 0) { throw ('emctl stop exited ' + $LASTEXITCODE) } } else { Write-Output 'the EM Web Site is not running' }`,
    ],
    // the source last, as on Linux (linux.ts): its stop is followed at once by a cluster's pool step
    stopOpmn: [strict, ...(tenG ? [stopHome(dest)] : []), stopHome(src)],
    backup: [
      strict,
      privateFolderPs(o.backupDir),
      `$stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmss'); $point = ${q(point + ".")} + $stamp; $n = 1; while (Test-Path -LiteralPath $point) { $point = ${q(point + ".")} + $stamp + '-' + $n; $n++ }`,
      mirror(q(src), "(Join-Path $point 'home')"),
      // which homes start at boot, put back by the restore
      // read through CIM (Win32_Service StartMode), not Get-Service's StartType: a .NET 4.6.1 member that
      // PowerShell 3.0 and 4.0 hosts (minPowerShell) do not have; kept as Set-Service -StartupType names it
      `$startMode = [string]@(Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq ${srcSvc} })[0].StartMode; $startType = @{ Auto = 'Automatic'; Manual = 'Manual'; Disabled = 'Disabled' }[$startMode]; ` +
        `if (-not $startType) { throw ('the start mode of ' + ${srcSvc} + ' reads "' + $startMode + '" (Win32_Service), not Auto, Manual or Disabled: check options.windowsSourceService is the name Windows gives the service; nothing was changed') }; ` +
        `$startType | Set-Content -LiteralPath (Join-Path $point 'source-start-type')`,
      `Set-Content -LiteralPath ${q(point + ".current")} -Value $point; Write-Output ('restore point: ' + $point)`,
    ],
    // planned only while the installed version (the site's versionCommand) is below 9.0.2.3; a resumed run skips it once done
    applyPatchSet: [strict, installer(o.installers.patchSet, "patchSet")],
    jvmHeap: {
      file: join(dest, "upgrade", "Oc4jPlugin.cfg"),
      commands: o.oc4jMaxHeap
        ? [
            strict,
            editFile(
              join(dest, "upgrade", "Oc4jPlugin.cfg"),
              `$old -replace '(<JVMproperties\\s+property\\s*=\\s*")-Xmx[0-9]+[kKmMgG]?("\\s*/>)', ('$1-Xmx' + ${q(o.oc4jMaxHeap)} + '$2')`,
            ),
          ]
        : [],
    },
    upgradeAssistant: [
      strict,
      `$log = ${q(join(dest, "upgrade", "log", "iasua.log"))}`,
      // 004: the log is appended to by default (log.append=TRUE): only what this run adds is read
      `$before = 0; if (Test-Path -LiteralPath $log) { $before = [IO.File]::ReadAllBytes($log).Length }`,
      `'Yes', 'Yes' | & ${q(join(dest, "upgrade", "iasua.bat"))} -sourcehome ${q(src)}; if ($LASTEXITCODE -ne 0) { ` +
        `$added = ''; if (Test-Path -LiteralPath $log) { $all = [IO.File]::ReadAllBytes($log); if ($all.Length -gt $before) { $added = [Text.Encoding]::UTF8.GetString($all, $before, $all.Length - $before) } }; ` +
        `$last = [regex]::Matches($added, 'Starting to (examine|upgrade) (component )?([^\\r\\n]*)') | Select-Object -Last 1; ` +
        `$comp = if ($last) { ($last.Groups[3].Value -replace '[^A-Za-z0-9 ()._/"-]', '') } else { 'unknown (this run wrote no Starting to examine/upgrade line to ' + $log + ')' }; ` +
        `throw ('the Upgrade Assistant failed at component: ' + $comp) }`,
    ],
    checkSsl: [
      strict,
      `$mode = ''; $x = [IO.File]::ReadAllText(${q(join(dest, "opmn", "conf", "opmn.xml"))}); if ($x -match 'id="start-mode"\\s*value="([a-z-]*)"') { $mode = $Matches[1] }`,
      `$inside = 0; $outside = 0; $d = $false; foreach ($l in Get-Content -LiteralPath ${q(join(dest, "Apache", "Apache", "conf", "httpd.conf"))}) { if ($l -match '^\\s*<IfDefine\\s+SSL\\s*>') { $d = $true } elseif ($l -match '^\\s*</IfDefine>') { $d = $false } elseif ($l -match '^\\s*LoadModule\\s+ossl_module') { if ($d) { $inside++ } else { $outside++ } } }`,
      `if ($outside -gt 0) { throw 'httpd.conf loads ossl_module outside <IfDefine SSL>: Oracle HTTP Server would start with SSL whatever OPMN says; put it inside <IfDefine SSL>' }`,
      `if (($mode -eq 'ssl-enabled') -and ($inside -eq 0)) { throw 'opmn.xml starts Oracle HTTP Server with start-mode ssl-enabled, but httpd.conf loads no ossl_module inside <IfDefine SSL>' }`,
      // the source's own start-mode (when its opmn.xml has one): SSL on before must stay on after, as on Linux
      `$srcMode = ''; $srcXml = ${q(join(src, "opmn", "conf", "opmn.xml"))}; if (Test-Path -LiteralPath $srcXml) { if ([IO.File]::ReadAllText($srcXml) -match 'id="start-mode"\\s*value="([a-z-]*)"') { $srcMode = $Matches[1] } }`,
      `if (($srcMode -eq 'ssl-enabled') -and ($mode -ne 'ssl-enabled')) { $shownMode = if ($mode) { $mode } else { 'missing' }; throw ('the source started Oracle HTTP Server with SSL, but the start-mode in the destination opmn.xml is ' + $shownMode) }`,
      `Write-Output ('SSL configuration consistent (start-mode ' + $mode + ', ossl_module inside <IfDefine SSL>: ' + $inside + ')')`,
    ],
    reports: {
      file: join(dest, "sysman", "emd", "targets.xml"),
      valueCommand: "",
      commands: [
        strict,
        // 004 names the file (rwservlet.properties), not the key: the site's command prints the name (its first line)
        `$env:ORACLE_HOME = ${q(dest)}; $global:LASTEXITCODE = 0; $name = [string](& {\n${site(o, "reportsServerName")}\n} | Select-Object -First 1); if ($global:LASTEXITCODE -ne 0) { throw ('${homeCommandField("reportsServerName")} exited ' + $global:LASTEXITCODE) }; $name = $name.Trim()`,
        `if ($name -eq '') { throw ${q(`${homeCommandField("reportsServerName")} printed no name for ${dest}`)} } else { if ($name -notmatch '^[A-Za-z0-9_.-]{1,128}$') { throw 'the Reports server name the site read from rwservlet.properties is not a plain name' }; ` +
          editFile(
            join(dest, "sysman", "emd", "targets.xml"),
            `[regex]::Replace($old, '<Target\\b[^>]*TYPE="oracle_repserv"[\\s\\S]*?</Target>', { param($b) $i = [regex]::Match($b.Value, 'NAME="IASInternalName"\\s+VALUE="([A-Za-z0-9_.-]+)"'); if ($i.Success) { $b.Value.Replace($i.Groups[1].Value, $name) } else { $b.Value } })`,
          ) +
          " }",
      ],
    },
    jaznLibraryPaths: (file) => [strict, jaznLibraryPathsPs(file, join(dest, "j2ee", "home"))],
    confirmed: (field) => [strict, `Write-Output ${q(`${field}: done, as the stack confirms`)}`],
    startAtBoot: {
      file: "",
      value: "",
      commands: [strict, `Set-Service -Name ${srcSvc} -StartupType Disabled`, `Set-Service -Name ${destSvc} -StartupType Automatic`],
    },
    startSource: [strict, startHome(src)],
    startDestination: [strict, startHome(dest)],
    startEmWebSite: [
      strict,
      emHome,
      `if ($emHome -and ((Get-Content -LiteralPath ${q(emSaved)} -ErrorAction SilentlyContinue | Select-Object -First 1) -eq 'ran') -and -not ${emRunning}) { ${inHomePs("$emHome", site(o, "emStart"), homeCommandField("emStart"))} }`,
    ],
    // 004 l.315 gives `opmnctl startproc ias-component=WebCache` without its folder: the home's opmn\bin, as on the Linux stand-in
    startWebCache: [strict, exe(join(dest, "opmn", "bin", "opmnctl"), "startproc", "ias-component=WebCache")],
    startConsole: [strict, exe(join(dest, "bin", "emctl"), "start", "iasconsole")],
    consolePort: [
      strict,
      // the entry's URL is data: only its port number is printed
      `$port = ''; $t = ${q(join(dest, "sysman", "emd", "targets.xml"))}; if (Test-Path -LiteralPath $t) { $m = [regex]::Match([IO.File]::ReadAllText($t), 'StandaloneConsoleURL[^>]*?:([0-9]{1,5})'); if ($m.Success) { $port = $m.Groups[1].Value } }`,
      `if ($port -eq '') { throw 'targets.xml has no StandaloneConsoleURL with a port: look up the console port on the Ports page' }`,
      `Write-Output ('Application Server Control console port: ' + $port + ${q(`${hop.from.startsWith("9.0.4") ? "" : " (the source's Enterprise Manager Web Site used 1810 by default; 004: 1812 after a 9.0.2 or 9.0.3 source)"}; ${join(dest, "install", "portlist.ini")} keeps the installer's values (004)`)})`,
    ],
    verify: [
      strict,
      // 004: the Oracle HTTP Server URL answers (http://midtierhost:7777); the listener may take a moment after startall
      `$ok = $false; $code = 'none'; for ($i = 0; $i -lt 30 -and -not $ok; $i++) { try { $r = Invoke-WebRequest -UseBasicParsing -TimeoutSec 10 -Uri 'http://127.0.0.1:${o.httpPort}/'; $code = [int]$r.StatusCode; $ok = ($code -ge 200 -and $code -lt 400) } catch { }; if (-not $ok) { Start-Sleep -Seconds 2 } }`,
      `if (-not $ok) { throw (${q(`the Oracle HTTP Server of ${home} does not answer on port ${o.httpPort} (last HTTP status: `)} + $code + ')') }; Write-Output ${q(`the Oracle HTTP Server of ${home} answers on port ${o.httpPort}`)}`,
    ],
    leaveFarm: [strict, exe(join(src, "dcm", "bin", "dcmctl"), "leavefarm")],
    restoreSource: [
      strict,
      stopHome(src),
      `$point = (Get-Content -LiteralPath ${q(point + ".current")}).Trim()`,
      // robocopy /MIR copies back only what differs, so an untouched source home stays untouched
      mirror("(Join-Path $point 'home')", q(src)),
      `Set-Service -Name ${srcSvc} -StartupType ((Get-Content -LiteralPath (Join-Path $point 'source-start-type')).Trim())`,
      ...(tenG ? [`if (Get-Service -Name ${destSvc} -ErrorAction SilentlyContinue) { Set-Service -Name ${destSvc} -StartupType Manual }`] : []),
      `Write-Output ('restored from ' + $point + ' (kept)')`,
    ],
    stopDestination: tenG ? [strict, stopHome(dest)] : [],
  };
}

/** 004's two library entries (9.0.2 sources) in the site's application.xml, beside the last library entry; written only if one is missing. */
function jaznLibraryPathsPs(file: string, j2eeHome: string): string {
  const entries = ["jazn.jar", "jazncore.jar"].map((jar) => q(`<library path="${j2eeHome}\\${jar}"/>`)).join(", ");
  return (
    `$f = ${q(file)}; if (-not (Test-Path -LiteralPath $f)) { throw ($f + ' is not there: give the application.xml that holds the library path entries') }; ` +
    `$lines = [Collections.Generic.List[string]](Get-Content -LiteralPath $f); ` +
    `$missing = @(@(${entries}) | Where-Object { $e = $_; -not ($lines | Where-Object { $_.Contains($e) }) }); ` +
    `if ($missing.Count -eq 0) { Write-Output ($f + ' already has both jazn library entries') } else { ` +
    `$last = -1; for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i] -match '<library\\s') { $last = $i } }; ` +
    `if ($last -lt 0) { throw ($f + ' has no <library path=...> entry to add them beside: add ' + ($missing -join ' ') + ' by hand') }; ` +
    `$lines.InsertRange($last + 1, [string[]]$missing); Copy-Item -LiteralPath $f -Destination ($f + '.upchain.bak') -Force; ` +
    `[IO.File]::WriteAllLines($f + '.upchain.tmp', $lines); Move-Item -LiteralPath ($f + '.upchain.tmp') -Destination $f -Force; Write-Output ('added to ' + $f + ': ' + ($missing -join ' ')) }`
  );
}
