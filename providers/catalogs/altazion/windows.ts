// Altazion Office on Windows (its only platform, PowerShell over OpenSSH): the commands of the steps
// in outline.ts. Rendered and tested as scripts (text and grammar): no Windows host runs here. The
// service is found by its exact display name or name, never through -Name (which reads "[e]" as a
// wildcard); every path goes through -LiteralPath for the same reason; every value is quoted.
import { quotePowerShell as q } from "../../quote";
import { keepEarlierPs, privateFolderPs } from "../privateFolder";
import { AltazionCommands } from "./outline";
import { AltazionOptions, ModuleOptions, scriptsFolderOf } from "./options";
import { FILE_CAP_BYTES, OVER_CAP, STRICT_VERSION, StatusFileShape, statusShapeOf } from "./status";

const strict = "$ErrorActionPreference = 'Stop'";
const join = (dir: string, ...p: string[]) => [dir.replace(/\\+$/, ""), ...p].join("\\");

export const windowsFiles = (o: AltazionOptions) => ({
  status: join(o.dataFolder, "bin", "updates", "status.xml"),
  applications: join(o.dataFolder, "bin", "config", "applicationspath.config"),
  hooks: join(o.dataFolder, "bin", "updates", "scripts"),
});

/** `$svc`: the service, by exact display name or name; throws naming it when it is not installed. */
const findService = (name: string) =>
  `$svc = Get-Service | Where-Object { $_.DisplayName -eq ${q(name)} -or $_.Name -eq ${q(name)} } | Select-Object -First 1; ` +
  `if (-not $svc) { throw ${q(`the update service "${name}" is not installed on this server (the document warns it may be named "Altazion - service principal": set options.serviceName)`)} }`;
/**
 * `$mode`: Automatic (Delayed Start) is Automatic with DelayedAutostart = 1 in the service's registry key.
 * The start mode is read through CIM (Win32_Service StartMode: Auto, Manual, Disabled), not Get-Service's
 * StartType, a .NET 4.6.1 member that PowerShell 4.0 hosts (minPowerShell) do not have.
 */
const startMode =
  `$delayed = (Get-ItemProperty -LiteralPath ('HKLM:\\SYSTEM\\CurrentControlSet\\Services\\' + $svc.Name) -Name DelayedAutostart -ErrorAction SilentlyContinue).DelayedAutostart -eq 1; ` +
  `$startMode = [string]@(Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $svc.Name })[0].StartMode; ` +
  `$mode = if ($startMode -eq 'Auto' -and $delayed) { 'AutomaticDelayedStart' } elseif ($startMode -eq 'Auto') { 'Automatic' } else { $startMode }`;
/** Versions written with 4 numbers; what is not a number reads 0. */
const norm = `function Norm([string]$v) { $p = @(($v + '.0.0.0').Split('.')[0..3] | ForEach-Object { $n = 0; [void][int]::TryParse($_, [ref]$n); $n }); $p -join '.' }`;
/**
 * A file of the update service printed whole when it is within FILE_CAP_BYTES, else OVER_CAP and its
 * size in bytes (as linux.ts's cappedRead): the controller refuses it naming both.
 */
export const cappedRead = (path: string) =>
  `$file = Get-Item -LiteralPath ${q(path)} -ErrorAction Stop; if ($file.Length -gt ${FILE_CAP_BYTES}) { Write-Output (${q(OVER_CAP + " ")} + $file.Length) } else { Get-Content -LiteralPath ${q(path)} -Raw -ErrorAction Stop }`;

/**
 * status.xml read as the site describes it (options.statusFile), the same way as linux.ts's sh functions:
 * - `Detected MODULE`: the version attribute of the first element whose module attribute is MODULE
 *   (case-sensitive, as XML is), '' when the file is not there or does not list MODULE; a file over
 *   the cap, with a DTD (entities are never expanded) or that is not XML stops the step, saying which
 *   (the parser's own message, which may quote the file, is never printed).
 * - `DetectedVersion MODULE`: that value written with 4 numbers (0.0.0.0 when absent), after refusing
 *   one that is not a version as status.ts's STRICT_VERSION says: refused, never rounded or trimmed.
 */
const detectedFunctions = (status: string, shape: StatusFileShape) => [
  `function Detected([string]$module) { ` +
    `$file = Get-Item -LiteralPath ${q(status)} -ErrorAction SilentlyContinue; if (-not $file) { return '' }; ` +
    `if ($file.Length -gt ${FILE_CAP_BYTES}) { throw ('status.xml is ' + $file.Length + ' bytes, over upchain''s cap of ${FILE_CAP_BYTES} bytes: it is not read; look at what filled it') }; ` +
    `$settings = New-Object System.Xml.XmlReaderSettings; $settings.DtdProcessing = [System.Xml.DtdProcessing]::Prohibit; $settings.XmlResolver = $null; $settings.MaxCharactersInDocument = ${FILE_CAP_BYTES}; ` +
    `$reader = [System.Xml.XmlReader]::Create((New-Object System.IO.StringReader ([string](Get-Content -LiteralPath ${q(status)} -Raw))), $settings); ` +
    `try { $x = New-Object System.Xml.XmlDocument; $x.Load($reader) } catch { $e = $_.Exception; while ($e.InnerException) { $e = $e.InnerException }; throw ('status.xml is not XML upchain reads, or declares a DTD (line ' + [string]$e.LineNumber + ')') } finally { $reader.Close() }; ` +
    `$m = @($x.GetElementsByTagName(${q(shape.element)}) | Where-Object { $_.GetAttribute(${q(shape.moduleAttribute)}) -ceq $module })[0]; ` +
    `if ($m -and $m.HasAttribute(${q(shape.versionAttribute)})) { $m.GetAttribute(${q(shape.versionAttribute)}) } else { '' } }`,
  `function DetectedVersion([string]$module) { $v = [string](Detected $module); ` +
    `if ($v -and $v -cnotmatch ${q(`\\A${STRICT_VERSION.source.slice(1, -1)}\\z`)}) { $shown = $v -replace '[^A-Za-z0-9._-]', '?'; throw ('status.xml gives ' + $module + ' a latest detected version that is not one (' + $shown.Substring(0, [Math]::Min(40, $shown.Length)) + '): 2 to 4 numbers of at most 9 digits, like 5.2.0.0, nothing around them') }; ` +
    `Norm $v }`,
];

/** The processes whose command line the folders-free step reads: 003's explorer and command lines. */
const VISIBLE_PROCESSES = ["explorer.exe", "cmd.exe", "powershell.exe", "pwsh.exe"];

export function windowsCommands(o: AltazionOptions): AltazionCommands {
  const f = windowsFiles(o);
  const port = o.portal.port;
  const supportCase = "the update service refuses to start: the document calls this a support case, open a ticket at support.altazion.com";
  const listUri = q(`http://localhost:${port}${o.portal.listPath}`);
  const portalUp = `function PortalUp { try { Invoke-WebRequest -UseBasicParsing -TimeoutSec 5 -Uri ${listUri} | Out-Null; $true } catch { $false } }`;
  const startSvc = `try { Start-Service -InputObject $svc } catch { throw ${q(supportCase)} }`;
  const restartSvc = `try { Restart-Service -InputObject $svc -Force } catch { throw ${q(supportCase)} }`;
  return {
    shell: "powershell",
    readStatus: `${strict}; ${cappedRead(f.status)}`,
    readApplications: `${strict}; ${cappedRead(f.applications)}`,
    serviceState: `${strict}; ${findService(o.serviceName)}; ${startMode}; Write-Output ([string]$svc.Status + ' ' + $mode)`,
    notify: (phase, message, modules) => [
      `$env:UPCHAIN_NOTICE = ${q(message)}; $env:UPCHAIN_PHASE = ${q(phase)}; $env:UPCHAIN_MODULES = ${q(modules.join(","))}`,
      o.notify ?? "$null",
    ],
    serviceReady(module, version, remedy) {
      return [
        strict,
        norm,
        ...detectedFunctions(f.status, statusShapeOf(o)),
        portalUp,
        `$want = ${q(version)}; $restarted = $false`,
        // 003 looks at the service (and its start mode) only when the portal does not answer (one statement: each line parses alone)
        [
          `if (-not (PortalUp)) {`,
          findService(o.serviceName),
          startMode,
          remedy
            ? `if ($mode -ne 'AutomaticDelayedStart') { & sc.exe config $svc.Name start= delayed-auto | Out-Null; if ($LASTEXITCODE -ne 0) { throw ('sc.exe could not set the start mode (exit ' + $LASTEXITCODE + ')') }; Write-Output ('start mode was ' + $mode + ': set to Automatic (Delayed Start), as the document wants') }; ` +
              `if ($svc.Status -ne 'Running') { Write-Output ('the update service was ' + $svc.Status + ': starting it'); ${startSvc}; $restarted = $true }`
            : `throw (${q(`the portal (localhost:${port}) does not answer: the update service is `)} + $svc.Status + ' and starts ' + $mode + ${q("; the document: start it (its start mode should be Automatic (Delayed Start)), or stop and start it if it runs; set options.remedy: true for upchain to")})`,
          `$i = 0; while (-not (PortalUp)) { $i++; if ($i -ge 60) { ` +
            `if (-not $restarted) { Write-Output 'the portal does not answer: stopping and starting the update service, as the document says'; ${restartSvc}; $restarted = $true; $i = 0 } else { throw 'the portal still does not answer after the update service was started again: a support case, open a ticket at support.altazion.com' }` +
            ` }; Start-Sleep -Seconds 1 }`,
          `}`,
        ].join("\n"),
        `$have = DetectedVersion ${q(module)}`,
        `if ($have -ne $want -and [version]$have -gt [version]$want) { throw ('the update service offers ' + ${q(module)} + ' ' + $have + ', newer than ' + $want + ': its Installer button would install ' + $have + '; set the target to ' + $have + ' or latest') }`,
        `if ($have -ne $want) { ` +
          (remedy
            ? `if (-not $restarted) { Write-Output ('the update service has detected ' + $have + ', not ' + $want + ${q(`: stopping and starting it, then waiting up to ${o.detectionWaitSeconds}s for the detection`)}); ${restartSvc} }; ` +
              `$t = 0; while ($true) { if ((DetectedVersion ${q(module)}) -eq $want) { break }; $t += 5; if ($t -gt ${o.detectionWaitSeconds}) { throw ${q(`the update service has still not detected ${module} ${version} after ${o.detectionWaitSeconds}s: check the version is published (https://aide.altazion.com/fr-fr/releasenotes/) since at least a day, and that applicationspath.config declares ${module}; otherwise a support case`)} }; Start-Sleep -Seconds 5 }`
            : `throw ('the update service has detected ' + ${q(module)} + ' ' + $have + ', not ' + $want + ' (status.xml): set options.remedy: true to restart it and wait for the detection, as the document says')`) +
          ` }`,
        `Write-Output ('the portal answers, and the update service offers ' + ${q(module)} + ' ' + $want)`,
      ];
    },
    backupModule: (m, dir) => [
      strict,
      privateFolderPs(o.backupDir),
      keepEarlierPs(dir),
      `robocopy ${q(m.folder)} ${q(join(dir, "module"))} /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy exited ' + $LASTEXITCODE) }`,
      // .NET, not a provider path: nothing in it is read as a wildcard
      `[IO.File]::WriteAllText(${q(join(dir, "complete"))}, '')`,
      `Write-Output ${q(`restore point: ${join(dir, "module")}`)}`,
    ],
    restoreModule: (m, dir) => [
      strict,
      `if (-not (Test-Path -LiteralPath ${q(join(dir, "complete"))})) { throw ${q(`no complete restore point in ${dir}`)} }`,
      `robocopy ${q(join(dir, "module"))} ${q(m.folder)} /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy exited ' + $LASTEXITCODE) }`,
      `Write-Output ${q(`${m.folder} put back from ${dir}`)}`,
    ],
    stopPool: (pool) => `Import-Module WebAdministration; Stop-WebAppPool -Name ${q(pool)}`,
    startPool: (pool) =>
      `Import-Module WebAdministration; if ((Get-WebAppPoolState -Name ${q(pool)}).Value -ne 'Started') { Start-WebAppPool -Name ${q(pool)} }`,
    clearMaintenance: (m: ModuleOptions) => [
      strict,
      `$bak = ${q(join(m.folder, "app_offline.bak"))}`,
      `foreach ($n in 'app_offline.htm', 'app_offline.html') { $p = ${q(m.folder.replace(/\\+$/, "") + "\\")} + $n; if (Test-Path -LiteralPath $p) { ` +
        `if (Test-Path -LiteralPath $bak) { Remove-Item -LiteralPath $p -Force; Write-Output ('deleted ' + $n + ': an app_offline.bak was already there') } ` +
        `else { Rename-Item -LiteralPath $p -NewName 'app_offline.bak'; Write-Output ('renamed ' + $n + ' to app_offline.bak') } } }`,
    ],
    foldersFreeScope: (folder) => ({
      checks: `no ${VISIBLE_PROCESSES.join(", ")} process names ${folder} in its command line`,
      operator: `close every explorer window on ${folder}, and every command line whose working folder is there, for every user logged on the server (over SSH, upchain sees processes' command lines, not the folder an Explorer window shows nor a console's working folder)`,
    }),
    foldersFree: (m) => [
      strict,
      `$dir = ${q(m.folder.replace(/\\+$/, ""))}`,
      // 003's explorer windows and command lines, as far as a session over SSH can see them: every
      // session's processes are listed (Win32_Process), but only their command lines; which folder an
      // Explorer window shows, or a console's working folder, is not readable from here (foldersFreeScope)
      `$found = @(Get-CimInstance Win32_Process | Where-Object { $_.Name -in ${VISIBLE_PROCESSES.map((n) => q(n)).join(", ")} -and $_.CommandLine -and $_.CommandLine.IndexOf($dir, [StringComparison]::OrdinalIgnoreCase) -ge 0 } | ForEach-Object { [string]$_.ProcessId + '(' + $_.Name + ')' })`,
      `if ($found.Count) { throw ('processes name ' + $dir + ' in their command line: ' + ($found -join ' ') + '; the document, before anything else: close every explorer and command line open on the application''s folders (for every user logged on the server), then run pulumi up again') }`,
      `Write-Output ('no ${VISIBLE_PROCESSES.join(", ")} process names ' + $dir + ' in its command line (an Explorer window''s folder and a console''s working folder are not visible from here: the operator closes those)')`,
    ],
    verifyModule: (module, listed) => [
      strict,
      `$page = Invoke-WebRequest -UseBasicParsing -TimeoutSec 30 -Uri ${listUri}`,
      // the site's pattern (options.portal.listedPattern), matched over the whole page as the http step does
      `if ($page.Content -cmatch ${q(listed)}) { throw ${q(`${module} is still in the portal's list of modules to update: its install did not take`)} }`,
      `Write-Output ${q(`${module} has left the portal's list of modules to update`)}`,
    ],
    databaseBackup: (command) => [strict, command, `Write-Output 'restore point: the database backup made by options.database.backupCommand'`],
    databaseRestore: (command, backupCommand) => [
      strict,
      command ?? `throw ${q(`no options.database.restoreCommand: restore the database by hand from the backup made by: ${backupCommand}`)}`,
    ],
    checkScripts(version, reviewed) {
      const dir = scriptsFolderOf(o, version);
      return [
        strict,
        `$dir = ${q(dir)}; [string[]]$names = @((Get-ChildItem -LiteralPath $dir -Force).Name); [Array]::Sort($names, [StringComparer]::Ordinal)`,
        `[string[]]$expected = @(${reviewed.map((s) => q(s.name)).join(", ")})`,
        `if (($names -join [char]10) -cne ($expected -join [char]10)) { throw ('the update''s scripts in ' + $dir + ' are not the ones reviewed: found ' + ($names -join ', ') + '; preview lists them with their sha256: review them again and record the list in options.database.reviewedScripts') }`,
        ...reviewed.map(
          (s) =>
            `if ((Get-FileHash -LiteralPath ${q(join(dir, s.name))} -Algorithm SHA256).Hash.ToLowerInvariant() -ne ${q(s.sha256)}) { throw ${q(`${s.name} changed since it was reviewed (its sha256 is not ${s.sha256})`)} }`,
        ),
        `Write-Output ${q(`the update's ${reviewed.length} script(s) are the ones reviewed`)}`,
      ];
    },
    // The customised database step, as on Linux (linux.ts): the site's file is copied once into a
    // folder made fresh for this step in the login's own temp folder (private to it), the copy is
    // checked and the copy is run, and the folder goes however the step ends.
    runScript(sqlCommand, version, s) {
      const file = join(scriptsFolderOf(o, version), s.name);
      return [
        strict,
        `$copy = Join-Path ([IO.Path]::GetTempPath()) ('upchain-sql.' + [guid]::NewGuid().ToString('N')); $null = New-Item -ItemType Directory -Path $copy; $reviewed = Join-Path $copy ${q(s.name)}`,
        `try { Copy-Item -LiteralPath ${q(file)} -Destination $reviewed; ` +
          `if ((Get-FileHash -LiteralPath $reviewed -Algorithm SHA256).Hash.ToLowerInvariant() -ne ${q(s.sha256)}) { throw ${q(`${s.name} changed since it was reviewed: not run`)} }; ` +
          `${sqlCommand} $reviewed; if ($LASTEXITCODE -ne 0) { throw (${q(`${s.name} failed: the SQL command exited `)} + $LASTEXITCODE) } } ` +
          `finally { Remove-Item -LiteralPath $copy -Recurse -Force -ErrorAction SilentlyContinue }`,
      ];
    },
  };
}

/**
 * Preview's read-only look at a Windows server, in the sections checks.ts judges (the same as the
 * Linux look's, linux.ts/checks.ts): whether the portal answers, the service's state and start mode,
 * applicationspath.config, status.xml, and a customised database update's scripts in the site's
 * folder with their sha256 (`sha256<TAB>name`, in ordinal name order; `missing` when the folder is
 * not there). Each section is read on its own: one that cannot be read prints why, and the next is still read.
 */
export function windowsLook(o: AltazionOptions, databaseTarget: string | undefined): string {
  const f = windowsFiles(o);
  const c = windowsCommands(o);
  const section = (name: string) => `Write-Output '=== upchain ${name} ==='`;
  const scripts = databaseTarget && o.database?.scriptsFolder ? scriptsFolderOf(o, databaseTarget) : undefined;
  return [
    section("portal"),
    // any HTTP answer means the portal is up (an error status too), as curl without -f says on Linux
    `try { $null = Invoke-WebRequest -UseBasicParsing -TimeoutSec 5 -Uri ${q(`http://127.0.0.1:${o.portal.port}${o.portal.listPath}`)}; 'up' } catch { if ($_.Exception.Response) { 'up' } else { 'down' } }`,
    section("service"),
    `try { & { ${c.serviceState} }; Write-Output 'exit=0' } catch { Write-Output $_.Exception.Message; Write-Output 'exit=1' }`,
    section("applications"),
    `try { ${cappedRead(f.applications)} } catch { Write-Output $_.Exception.Message }`,
    section("status"),
    `try { ${cappedRead(f.status)} } catch { Write-Output $_.Exception.Message }`,
    section("scripts"),
    ...(scripts
      ? [
          `$dir = ${q(scripts)}; if (Test-Path -LiteralPath $dir -PathType Container) { ` +
            `[string[]]$names = @(Get-ChildItem -LiteralPath $dir -Force | Where-Object { -not $_.PSIsContainer } | ForEach-Object { $_.Name }); [Array]::Sort($names, [StringComparer]::Ordinal); ` +
            "foreach ($n in $names) { $h = (Get-FileHash -LiteralPath (Join-Path $dir $n) -Algorithm SHA256).Hash.ToLowerInvariant(); Write-Output ($h + [char]9 + $n) } } else { 'missing' }",
        ]
      : []),
  ].join("\n");
}
