// Oracle AS middle tier on Windows (the document's own platform, PowerShell over OpenSSH): the
// commands of the document's steps (outline.ts). Rendered and tested as scripts: no Windows host can
// run here. The active EM home is read from the registry key the document names (em_loc); which home
// starts at boot is its OPMN service's start type. Every value is quoted with quotePowerShell; what the
// host's files say is matched against a pattern before it is used.
import { Hop } from "../../engine/catalog";
import { quotePowerShell as q } from "../../quote";
import { privateFolderPs } from "../privateFolder";
import { OracleAsOptions } from "./options";
import { OracleAsCommands } from "./outline";
import { TARGET } from "./rules";

const strict = "$ErrorActionPreference = 'Stop'";
const join = (home: string, ...p: string[]) => [home, ...p].join("\\");

/** Run a native tool and fail on a non-zero exit code (PowerShell does not by itself). */
const exe = (path: string, ...args: string[]) => `& ${q(path)} ${args.join(" ")}; if ($LASTEXITCODE -ne 0) { throw (${q(path)} + ' exited ' + $LASTEXITCODE) }`.replace("  ;", ";");

/** `$v` = Version= of a home's ias.properties, or '' when the home is not there. */
export const readVersion = (home: string) =>
  `$v = ''; $props = ${q(join(home, "config", "ias.properties"))}; if (Test-Path -LiteralPath $props) { $m = Select-String -LiteralPath $props -Pattern '^Version=(.*)$' | Select-Object -First 1; if ($m) { $v = $m.Matches[0].Groups[1].Value.Trim() } }`;

const installer = (cmd: string | undefined, option: string) => cmd ?? `throw ${q(`options.installers.${option} is not set`)}`;

export function infrastructureProbePs(src: string): string {
  const props = q(join(src, "config", "ias.properties"));
  return (
    `$oidHost = ''; $oidPort = ''; foreach ($l in Get-Content -LiteralPath ${props}) { if ($l -match '^OIDhost=(.*)$') { $oidHost = $Matches[1].Trim() } elseif ($l -match '^OIDport=(.*)$') { $oidPort = $Matches[1].Trim() } }; ` +
    `if ($oidHost -eq '') { Write-Output 'no Infrastructure: ias.properties names no OIDhost' } else { ` +
    `if ($oidHost -notmatch '^[A-Za-z0-9.-]+$') { throw 'OIDhost in ias.properties is not a host name' }; if ($oidPort -notmatch '^[0-9]+$') { throw 'OIDport in ias.properties is not a port number' }; ` +
    `$out = & ${q(join(src, "bin", "ldapsearch.exe"))} -h $oidHost -p $oidPort -b '""' -s base 'objectclass=*' orcldirectoryversion 2>&1; ` +
    `if ($LASTEXITCODE -ne 0) { throw ('the Infrastructure''s directory at ' + $oidHost + ':' + $oidPort + ' does not answer: ' + ($out -join ' ')) }; $out }`
  );
}

export function windowsCommands(o: OracleAsOptions, hop: Hop): OracleAsCommands {
  const src = o.sourceHome;
  const dest = o.destinationHome ?? "";
  const tenG = hop.to === TARGET;
  const srcSvc = q(o.windowsSourceService ?? "(options.windowsSourceService)");
  const destSvc = q(o.windowsDestinationService ?? "(options.windowsDestinationService)");
  const emSaved = join(o.backupDir, `em-before-${hop.to}`);
  const point = join(o.backupDir, `${hop.from}-before-${hop.to}`);
  const emctl = (...args: string[]) => exe(join(src, "bin", "emctl.bat"), ...args);
  const opmnctl = (home: string, ...args: string[]) => exe(join(home, "opmn", "bin", "opmnctl.exe"), ...args);
  const stopSvc = (svc: string) => `if ((Get-Service -Name ${svc} -ErrorAction SilentlyContinue).Status -eq 'Running') { Stop-Service -Name ${svc} }`;
  const emRunning = `((& ${q(join(src, "bin", "emctl.bat"))} status 2>&1 | Out-String) -match 'is running')`;
  const home = tenG ? dest : src;
  const mirror = (from: string, to: string) =>
    `robocopy ${from} ${to} /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy ' + ${from} + ' exited ' + $LASTEXITCODE) }`;
  // a file edit like the Linux executor's: a copy aside first, then the new text through a temp file beside it
  const editFile = (file: string, transform: string) =>
    `$f = ${q(file)}; $old = [IO.File]::ReadAllText($f); $new = ${transform}; if ($new -ne $old) { Copy-Item -LiteralPath $f -Destination ($f + '.upchain.bak') -Force; [IO.File]::WriteAllText($f + '.upchain.tmp', $new); Move-Item -LiteralPath ($f + '.upchain.tmp') -Destination $f -Force; Write-Output ('edited ' + $f) } else { Write-Output ($f + ' already right') }`;
  return {
    shell: "powershell",
    emSaved,
    checkInfrastructure: [strict, infrastructureProbePs(src)],
    installDestination: [
      strict,
      `${readVersion(dest)}; if ($v -like '10.1.2*') { Write-Output ${q(`${dest} already holds ${TARGET} (an earlier attempt installed it); not installed again`)} } else { ` +
        `if ((Test-Path -LiteralPath ${q(dest)}) -and (Get-ChildItem -LiteralPath ${q(dest)} -Force | Select-Object -First 1)) { throw ${q(`${dest} exists, is not empty and holds no ${TARGET}: the installer needs a new folder`)} }; ` +
        `${installer(o.installers.destination, "destination")} }`,
    ],
    stopEmWebSite: [
      strict,
      privateFolderPs(o.backupDir),
      // the document: the active EM Web Site is named in HKLM\SOFTWARE\ORACLE\em_loc
      `$em = (Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\ORACLE' -Name em_loc -ErrorAction SilentlyContinue).em_loc`,
      `if ($em -and ($em.TrimEnd('\\') -ne ${q(src)})) { throw (${q(`the registry's em_loc names another active EM home than ${src}: `)} + $em + ' (switch it with emctl switch home, or stop that EM Web Site first)') }`,
      `if (-not (Test-Path -LiteralPath ${q(emSaved)})) { if (${emRunning}) { 'ran' | Set-Content -LiteralPath ${q(emSaved)} } else { 'stopped' | Set-Content -LiteralPath ${q(emSaved)} } }`,
      `if (${emRunning}) { ${o.iasAdminPassword ? `$env:${o.iasAdminPassword.slice(1)}` : "''"} | ${emctl("stop")} } else { Write-Output 'the EM Web Site is not running' }`,
    ],
    stopOpmn: [strict, stopSvc(srcSvc), ...(tenG ? [stopSvc(destSvc)] : [])],
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
    applyPatchSet: [strict, `${readVersion(src)}; if ($v -like '9.0.2.[3-9]*') { Write-Output ${q(`${src} already has the patch set`)} } else { ${installer(o.installers.patchSet, "patchSet")} }`],
    jvmHeap: {
      file: join(dest, "upgrade", "Oc4jPlugin.cfg"),
      commands: o.oc4jMaxHeap ? [strict, editFile(join(dest, "upgrade", "Oc4jPlugin.cfg"), `$old -replace '(<JVMproperties\\s+property\\s*=\\s*")-Xmx[0-9]+[kKmMgG]?("\\s*/>)', ('$1-Xmx' + ${q(o.oc4jMaxHeap)} + '$2')`)] : [],
    },
    upgradeAssistant: [
      strict,
      `$log = ${q(join(dest, "upgrade", "log", "iasua.log"))}`,
      `'Yes', 'Yes' | & ${q(join(dest, "upgrade", "iasua.bat"))} -sourcehome ${q(src)}; if ($LASTEXITCODE -ne 0) { ` +
        `$last = Select-String -LiteralPath $log -Pattern 'Starting to (examine|upgrade) (component )?(.*)$' -ErrorAction SilentlyContinue | Select-Object -Last 1; ` +
        `$comp = if ($last) { ($last.Matches[0].Groups[3].Value -replace '[^A-Za-z0-9 ()._/"-]', '') } else { 'unknown (no Starting to examine/upgrade line in ' + $log + ')' }; ` +
        `throw ('the Upgrade Assistant failed at component: ' + $comp) }`,
    ],
    checkSsl: [
      strict,
      `$mode = ''; $x = [IO.File]::ReadAllText(${q(join(dest, "opmn", "conf", "opmn.xml"))}); if ($x -match 'id="start-mode"\\s*value="([a-z-]*)"') { $mode = $Matches[1] }`,
      `$inside = 0; $outside = 0; $d = $false; foreach ($l in Get-Content -LiteralPath ${q(join(dest, "Apache", "Apache", "conf", "httpd.conf"))}) { if ($l -match '^\\s*<IfDefine\\s+SSL\\s*>') { $d = $true } elseif ($l -match '^\\s*</IfDefine>') { $d = $false } elseif ($l -match '^\\s*LoadModule\\s+ossl_module') { if ($d) { $inside++ } else { $outside++ } } }`,
      `if ($outside -gt 0) { throw 'httpd.conf loads ossl_module outside <IfDefine SSL>: Oracle HTTP Server would start with SSL whatever OPMN says; put it inside <IfDefine SSL>' }`,
      `if (($mode -eq 'ssl-enabled') -and ($inside -eq 0)) { throw 'opmn.xml starts Oracle HTTP Server with start-mode ssl-enabled, but httpd.conf loads no ossl_module inside <IfDefine SSL>' }`,
      `Write-Output ('SSL configuration consistent (start-mode ' + $mode + ', ossl_module inside <IfDefine SSL>: ' + $inside + ')')`,
    ],
    checkWallet: [
      strict,
      `$conf = ${q(join(dest, "webcache", "webcache.xml"))}; if (Test-Path -LiteralPath $conf) { ` +
        `if (Select-String -LiteralPath $conf -Pattern 'wallet' | Where-Object { $_.Line.ToLower().Contains(${q((src + "\\").toLowerCase())}) }) { throw ${q(`webcache.xml still keeps the Web Cache wallet in the source home ${src}: copy it to ${dest}\\webcache\\wallets\\default and point Web Cache there`)} } }`,
      `Write-Output 'the Web Cache wallet is inside the destination home (or none is configured)'`,
    ],
    reports: {
      file: join(dest, "sysman", "emd", "targets.xml"),
      valueCommand: "",
      commands: [
        strict,
        `$rw = ${q(join(dest, "reports", "conf", "rwservlet.properties"))}; $name = ''; if (Test-Path -LiteralPath $rw) { $m = Select-String -LiteralPath $rw -Pattern '^server=(.*)$' | Select-Object -First 1; if ($m) { $name = $m.Matches[0].Groups[1].Value.Trim() } }`,
        `if ($name -eq '') { Write-Output 'Reports is not configured; nothing to do' } else { if ($name -notmatch '^[A-Za-z0-9_.-]{1,128}$') { throw 'the Reports server name in rwservlet.properties is not a plain name' }; ` +
          editFile(join(dest, "sysman", "emd", "targets.xml"), `[regex]::Replace($old, '<Target\\b[^>]*TYPE="oracle_repserv"[\\s\\S]*?</Target>', { param($b) $i = [regex]::Match($b.Value, 'NAME="IASInternalName"\\s+VALUE="([A-Za-z0-9_.-]+)"'); if ($i.Success) { $b.Value.Replace($i.Groups[1].Value, $name) } else { $b.Value } })`) +
          " }",
      ],
    },
    startAtBoot: { file: "", value: "", commands: [strict, `Set-Service -Name ${srcSvc} -StartupType Disabled`, `Set-Service -Name ${destSvc} -StartupType Automatic`] },
    startSource: [strict, `Start-Service -Name ${srcSvc}`, opmnctl(src, "startall")],
    startDestination: [strict, `Start-Service -Name ${destSvc}`, opmnctl(dest, "startall")],
    startEmWebSite: [strict, `if (((Get-Content -LiteralPath ${q(emSaved)} -ErrorAction SilentlyContinue) -eq 'ran') -and -not ${emRunning}) { ${emctl("start")} }`],
    webCache: [strict, opmnctl(dest, "startproc", "ias-component=WebCache"), exe(join(dest, "webcache", "bin", "webcachectl.exe"), "propagate")],
    verify: [
      strict,
      `${readVersion(home)}; if (-not (($v -eq ${q(hop.to)}) -or ($v -like ${q(hop.to + ".*")}))) { throw (${q(`${home} reports version `)} + $v + ${q(`, not ${hop.to}`)}) }`,
      `$ok = $false; for ($i = 0; $i -lt 30 -and -not $ok; $i++) { try { $r = Invoke-WebRequest -UseBasicParsing -TimeoutSec 10 -Uri 'http://127.0.0.1:${o.httpPort}/'; $ok = (($r.RawContent) -like ${q(`*${hop.to}*`)}) } catch { }; if (-not $ok) { Start-Sleep -Seconds 2 } }`,
      `if (-not $ok) { throw 'port ${o.httpPort} does not answer with ${hop.to}' }; Write-Output '${hop.to} answers on port ${o.httpPort}'`,
    ],
    leaveFarm: [strict, exe(join(src, "dcm", "bin", "dcmctl.bat"), "leavefarm")],
    restoreSource: [
      strict,
      stopSvc(srcSvc),
      `$point = (Get-Content -LiteralPath ${q(point + ".current")}).Trim()`,
      // robocopy /MIR copies back only what differs, so an untouched source home stays untouched
      mirror("(Join-Path $point 'home')", q(src)),
      `Set-Service -Name ${srcSvc} -StartupType ((Get-Content -LiteralPath (Join-Path $point 'source-start-type')).Trim())`,
      ...(tenG ? [`if (Get-Service -Name ${destSvc} -ErrorAction SilentlyContinue) { Set-Service -Name ${destSvc} -StartupType Manual }`] : []),
      `Write-Output ('restored from ' + $point + ' (kept)')`,
    ],
    stopDestination: tenG ? [strict, stopSvc(destSvc)] : [],
  };
}

/** Prints the version of the home that runs: the destination once its service starts at boot, else the source. */
export function windowsProbe(o: OracleAsOptions): string {
  const dest = o.destinationHome;
  const svc = o.windowsDestinationService;
  const fromDest = dest && svc ? `$s = @(Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq ${q(svc)} })[0]; if ($s -and $s.StartMode -eq 'Auto') { ${readVersion(dest)}; if ($v) { Write-Output $v; return } }; ` : "";
  return `${fromDest}${readVersion(o.sourceHome)}; Write-Output $v`;
}
