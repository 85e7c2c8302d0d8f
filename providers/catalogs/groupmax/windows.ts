// Groupmax on Windows (PowerShell over OpenSSH): the commands of the document's steps (outline.ts) with Stop-Service,
// Set-Service -StartupType and Restart-Computer. Rendered and tested as scripts: no Windows host can
// run here. Every value is quoted with quotePowerShell; the installers are the stack's own text.
import { Hop } from "../../engine/planning/catalog";
import { quotePowerShell as q } from "../../quote";
import { privateFolderPs } from "../privateFolder";
import { GroupmaxSettings } from "./options";
import { GroupmaxCommands, kept } from "./outline";
import { servicesEntriesFor } from "./rules";
import { ServiceEntry } from "../../edits/services";

const WINDOWS_BOOT_MARKER = "(Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')";

const strict = "$ErrorActionPreference = 'Stop'";

/** %SystemRoot% and other variables in a configured path are expanded on the host. */
const expand = (p: string) => `[Environment]::ExpandEnvironmentVariables(${q(p)})`;

/** Mirror folder `from` onto `to` (attributes and hidden files included); robocopy's exit codes below 8 mean success. */
function mirror(from: string, to: string): string {
  return (
    `robocopy ${from} ${to} /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; ` +
    `if ($LASTEXITCODE -ge 8) { throw ('robocopy ' + ${from} + ' exited ' + $LASTEXITCODE) }`
  );
}

/** Copy a folder (mirrored) or a single file to `to`, noting which it was for the restore. */
function copyTree(from: string, to: string): string {
  return (
    `$src = ${from}; $dst = ${to}; if (Test-Path -LiteralPath $src -PathType Container) { ` +
    `${mirror("$src", "$dst")}; Set-Content -LiteralPath ($dst + '.kind') -Value 'folder' } ` +
    `else { New-Item -ItemType Directory -Force -Path $dst | Out-Null; Copy-Item -LiteralPath $src -Destination $dst -Force; Set-Content -LiteralPath ($dst + '.kind') -Value 'file' }`
  );
}

/**
 * PowerShell that throws, listing every clash, when the services file has a name or port the hop's
 * entries would take (the same rule as serviceConflicts in edits/services.ts, which preview applies on
 * both platforms and the services-add step again before it writes; on Windows the hop also looks
 * before anything stops). An entry already there under its name or an alias is no clash.
 */
function servicesConflictPs(entries: ServiceEntry[]): string[] {
  const list = entries.map((e) => `@(${q(e.name)}, ${q(`${e.port}/${e.protocol}`)})`).join(", ");
  return [
    `$clashes = @(); $n = 0`,
    `foreach ($line in (Get-Content -LiteralPath $services)) { $n++; $f = @((($line -replace '#.*', '').Trim() -split '\s+') | Where-Object { $_ -ne '' }); ` +
      `if ($f.Count -lt 2 -or $f[1] -notmatch '^\d+/\w+$') { continue }; $names = @($f[0]) + @($f | Select-Object -Skip 2); ` +
      `foreach ($e in @(${list})) { $samePort = $f[1] -eq $e[1]; $sameName = ($names -contains $e[0]) -and (($f[1] -split '/')[1] -eq ($e[1] -split '/')[1]); ` +
      `if ($samePort -and $sameName) { continue }; ` +
      `if ($samePort) { $clashes += ('line ' + $n + ': ' + $e[1] + ' is taken by "' + $f[0] + '"') } elseif ($sameName) { $clashes += ('line ' + $n + ': "' + $e[0] + '" already names ' + $f[1]) } } }`,
    `if ($clashes.Count) { throw ($services + ': ' + ($clashes -join '; ') + '. upchain never overwrites an entry it did not add: free the name or port (or point the product at another port), then run again. Nothing was changed.') }`,
  ];
}

/**
 * PowerShell that sets $startupType to the service's start mode as Set-Service -StartupType names it.
 * Read through CIM (Win32_Service StartMode: Auto, Manual, Disabled), not Get-Service's StartType, a
 * .NET 4.6.1 member that Windows PowerShell 3.0 and 4.0 hosts do not have. A mode Set-Service cannot
 * put back (Boot, System: drivers, not services) throws before anything is changed.
 */
function startupTypeOf(service: string, field: string): string {
  return (
    `$startMode = [string]@(Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq ${service} })[0].StartMode; ` +
    `$startupType = @{ Auto = 'Automatic'; Manual = 'Manual'; Disabled = 'Disabled' }[$startMode]; ` +
    `if (-not $startupType) { throw ('the start mode of ' + ${service} + ' reads "' + $startMode + '" (Win32_Service), not Auto, Manual or Disabled: check ${field} is the name Windows gives the service (its Name, not its display name); nothing was changed') }`
  );
}

const svc = (o: GroupmaxSettings, which: keyof GroupmaxSettings["windowsServices"]) => q(o.windowsServices[which]);

export function windowsCommands(o: GroupmaxSettings, hop: Hop): GroupmaxCommands {
  const saved = `${o.backupDir}\\autostart-before-${hop.to}`;
  const pointer = `${o.backupDir}\\${hop.from}-before-${hop.to}.current`;
  const paths = kept(o);
  const installer = (cmd: string | undefined, option: string) => [strict, cmd ?? `throw ${q(`options.installers.${option} is not set`)}`];
  const restoreAutostart =
    `if (Test-Path -LiteralPath ${q(saved)}) { $was = (Get-Content -LiteralPath ${q(saved)}).Trim(); ` +
    `Set-Service -Name ${svc(o, "address")} -StartupType $was; Remove-Item -LiteralPath ${q(saved)} }`;
  const start = (which: keyof GroupmaxSettings["windowsServices"]) => [strict, `Start-Service -Name ${svc(o, which)}`];
  // a new folder named after the hop and the UTC time; one already there is never written over
  const pointInTime = (name: string) =>
    `$stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmss'); $point = Join-Path ${q(o.backupDir)} (${q(name + ".")} + $stamp); $n = 1; ` +
    `while (Test-Path -LiteralPath $point) { $point = Join-Path ${q(o.backupDir)} (${q(name + ".")} + $stamp + '-' + $n); $n++ }`;
  const entries = servicesEntriesFor(hop.from);
  const journal = o.journalDir === false ? "" : o.journalDir;
  const startAll = (["objectServer", "address", "server"] as const).map((w) => `Start-Service -Name ${svc(o, w)}`);
  return {
    shell: "powershell",
    autostartSaved: saved,
    journalFiles: `${journal}\\${o.journalPattern}`,
    checkServices: [strict, `$services = ${expand(o.servicesFile)}`, ...servicesConflictPs(entries), `'no clash in ' + $services`],
    stopAddress: [strict, `Stop-Service -Name ${svc(o, "server")}`, `Stop-Service -Name ${svc(o, "address")}`],
    stopObjectServer: [strict, `Stop-Service -Name ${svc(o, "objectServer")}`],
    autostartOff: [
      strict,
      // the backup directory and everything upchain keeps in it are private (see privateFolder.ts)
      privateFolderPs(o.backupDir),
      startupTypeOf(svc(o, "address"), "options.windowsServices.address"),
      `if (-not (Test-Path -LiteralPath ${q(saved)})) { $startupType | Set-Content -LiteralPath ${q(saved)} }`,
      `if ($startupType -eq 'Automatic') { Set-Service -Name ${svc(o, "address")} -StartupType Manual }`,
    ],
    reboot: { command: o.rebootCommand, bootMarker: WINDOWS_BOOT_MARKER },
    backup: [
      strict,
      `foreach ($s in @(${svc(o, "server")}, ${svc(o, "address")}, ${svc(o, "objectServer")})) { Stop-Service -Name $s }`,
      privateFolderPs(o.backupDir),
      pointInTime(`${hop.from}-before-${hop.to}`),
      // robocopy, not Compress-Archive: that one skips hidden files and stops at 2 GB per file
      ...paths.map((k, i) => copyTree(expand(k), `(Join-Path $point '${i}')`)),
      `Set-Content -LiteralPath ${q(pointer)} -Value $point`,
    ],
    install: {
      objectServer: installer(o.installers.objectServer, "objectServer"),
      addressServer: installer(o.installers.addressServer, "addressServer"),
      mailServer: installer(o.installers.mailServer, "mailServer"),
    },
    // carried out by the executor, as on Linux (engine/running/fileSteps.ts: read in PowerShell, only the
    // missing entries added, a clash refused before anything is written, a copy kept, replaced in one step)
    servicesAdd: [],
    startObjectServer: start("objectServer"),
    advup: [strict, `& ${q(o.advup)}`, `if ($LASTEXITCODE -ne 0) { throw ('advup2_6 exited ' + $LASTEXITCODE) }`],
    addressMailSetup: [strict, o.addressMailSetup ?? `throw ${q("options.addressMailSetup is not set")}`],
    startAddress: start("address"),
    startServer: start("server"),
    clearJournal: [
      strict,
      // 002 has the journal files deleted; a folder that is not there means the stack names the wrong one
      `if (-not (Test-Path -LiteralPath ${q(journal)} -PathType Container)) { throw ${q(`the journal folder ${journal} (options.journalDir) does not exist: give the folder where the old version kept its journals, or false if it kept none`)} }`,
      `Get-ChildItem -LiteralPath ${q(journal)} -Filter ${q(o.journalPattern)} -File | Remove-Item -Force -Verbose`,
    ],
    startConsole: start("console"),
    // 002's success criterion is each start; the check is that they still run
    verify: [
      strict,
      `foreach ($s in @(${svc(o, "objectServer")}, ${svc(o, "address")}, ${svc(o, "server")}${o.operatorConsole ? `, ${svc(o, "console")}` : ""})) { if ((Get-Service -Name $s).Status -ne 'Running') { throw ($s + ' is not running') } }`,
    ],
    // 002: the database backup needs Object Server stopped; whatever the copy does, start them again
    backupV6: [
      strict,
      privateFolderPs(o.backupDir),
      pointInTime(`${hop.to}-after-upgrade`),
      // each start is tried whatever the others did (under Stop the first failure would skip the rest);
      // the step fails naming every service that did not start, and the backup's own error beside it
      `$backupError = $null; try { foreach ($s in @(${svc(o, "server")}, ${svc(o, "address")}, ${svc(o, "objectServer")})) { Stop-Service -Name $s }; ` +
        paths.map((k, i) => copyTree(expand(k), `(Join-Path $point '${i}')`)).join("; ") +
        ` } catch { $backupError = $_ }`,
      `$down = @(); foreach ($s in @(${svc(o, "objectServer")}, ${svc(o, "address")}, ${svc(o, "server")})) { try { Start-Service -Name $s } catch { $down += $s } }`,
      `if ($down.Count) { throw ('after the Version 6 backup these services did not start again: ' + ($down -join ', ') + $(if ($backupError) { ' (the backup itself failed: ' + $backupError + ')' } else { '' }) + '; start them with Start-Service and check that they run') }`,
      `if ($backupError) { throw $backupError }`,
    ],
    restoreAutostart: [strict, restoreAutostart],
    restoreBackup: [
      strict,
      `foreach ($s in @(${svc(o, "console")}, ${svc(o, "server")}, ${svc(o, "address")}, ${svc(o, "objectServer")})) { Stop-Service -Name $s -ErrorAction SilentlyContinue }`,
      `$point = (Get-Content -LiteralPath ${q(pointer)}).Trim()`,
      // each path comes back from its numbered copy; the backup noted whether it was a folder or a
      // file (the failed hop may have removed it); a folder is mirrored, so nothing the hop added stays
      ...paths.map(
        (k, i) =>
          `$copy = Join-Path $point '${i}'; $dst = ${expand(k)}; if ((Get-Content -LiteralPath ($copy + '.kind')).Trim() -eq 'folder') { ` +
          `${mirror("$copy", "$dst")} } ` +
          `else { Copy-Item -LiteralPath (Join-Path $copy (Split-Path -Leaf $dst)) -Destination $dst -Force }`,
      ),
    ],
    recoverServices: [strict, ...startAll, ...(o.operatorConsole ? [`Start-Service -Name ${svc(o, "console")}`] : [])],
  };
}
