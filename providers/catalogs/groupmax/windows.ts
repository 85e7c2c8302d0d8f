// Groupmax on Windows (PowerShell over OpenSSH): the same thirteen steps with Stop-Service,
// Set-Service -StartupType and Restart-Computer. Rendered and tested as scripts: no Windows host can
// run here. Every value is quoted with quotePowerShell; the installers are the stack's own text.
import * as path from "path";
import { Hop, Step, psStep as step, uploadStep } from "../../engine/catalog";
import { describeEntry } from "../../engine/fileSteps";
import { quotePowerShell as q } from "../../quote";
import { GroupmaxSettings } from "./options";
import { needsAdvup, servicesEntriesFor } from "./rules";

export const WINDOWS_BOOT_MARKER = "(Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')";

const strict = "$ErrorActionPreference = 'Stop'";

/** %SystemRoot% and other variables in a configured path are expanded on the host. */
const expand = (p: string) => `[Environment]::ExpandEnvironmentVariables(${q(p)})`;

/**
 * Copy a folder (mirrored, with attributes, hidden files included) or a single file to `to`;
 * robocopy's exit codes below 8 mean success.
 */
function copyTree(from: string, to: string): string {
  return `$src = ${from}; $dst = ${to}; if (Test-Path -LiteralPath $src -PathType Container) { ` +
    `robocopy $src $dst /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy ' + $src + ' exited ' + $LASTEXITCODE) }; ` +
    `Set-Content -LiteralPath ($dst + '.kind') -Value 'folder' } ` +
    `else { New-Item -ItemType Directory -Force -Path $dst | Out-Null; Copy-Item -LiteralPath $src -Destination $dst -Force; Set-Content -LiteralPath ($dst + '.kind') -Value 'file' }`;
}

function winPaths(o: GroupmaxSettings, hop: Hop) {
  return {
    pointer: `${o.backupDir}\\${hop.from}-before-${hop.to}.current`,
    autostartSaved: `${o.backupDir}\\autostart-before-${hop.to}`,
    kept: [o.installDir, ...o.databasePaths, o.servicesFile],
  };
}

const svc = (o: GroupmaxSettings, which: keyof GroupmaxSettings["windowsServices"]) => q(o.windowsServices[which]);

function restoreAutostart(o: GroupmaxSettings, hop: Hop): string {
  const saved = q(winPaths(o, hop).autostartSaved);
  return `if (Test-Path -LiteralPath ${saved}) { $was = (Get-Content -LiteralPath ${saved}).Trim(); ` +
    `Set-Service -Name ${svc(o, "address")} -StartupType $was; Remove-Item -LiteralPath ${saved} }`;
}

function installer(cmd: string | undefined, option: string): string {
  return cmd ?? `throw ${q(`options.installers.${option} is not set`)}`;
}

export function windowsHopSteps(o: GroupmaxSettings, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  const entries = servicesEntriesFor(hop.from);
  const steps: Step[] = o.uploads.map((u, i) =>
    uploadStep("powershell", { id: `upload-${i + 1}`, title: `Upload ${path.basename(u.source)} to ${u.destination} (before anything stops)`, source: u.source, destination: u.destination }),
  );
  steps.push(
    step({
      id: "stop-address",
      action: "run",
      title: "Stop the mail application and this master management server's address service (other address servers keep running)",
      destructive: false,
      commands: [strict, `Stop-Service -Name ${svc(o, "server")}`, `Stop-Service -Name ${svc(o, "address")}`],
    }),
    step({ id: "stop-object-server", action: "run", title: "Stop Object Server", destructive: false, commands: [strict, `Stop-Service -Name ${svc(o, "objectServer")}`] }),
    step({
      id: "autostart-off",
      action: "run",
      title: `If Address Server starts automatically, switch that off (the setting is kept in ${p.autostartSaved} and put back at the end, also on failure)`,
      destructive: false,
      commands: [
        strict,
        `New-Item -ItemType Directory -Force -Path ${q(o.backupDir)} | Out-Null`,
        `if (-not (Test-Path -LiteralPath ${q(p.autostartSaved)})) { (Get-Service -Name ${svc(o, "address")}).StartType.ToString() | Set-Content -LiteralPath ${q(p.autostartSaved)} }`,
        `if ((Get-Service -Name ${svc(o, "address")}).StartType -eq 'Automatic') { Set-Service -Name ${svc(o, "address")} -StartupType Manual }`,
      ],
    }),
    {
      id: "reboot",
      action: "reboot",
      shell: "powershell",
      title: `Shut the machine down and restart it; wait up to ${o.rebootTimeoutSeconds}s for it to come back`,
      destructive: false,
      commands: [o.rebootCommand],
      bootMarker: WINDOWS_BOOT_MARKER,
      timeoutSeconds: o.rebootTimeoutSeconds,
    },
    step({
      id: "backup",
      action: "backup",
      title: `Back up ${p.kept.join(", ")} (the installation folder, the database files, the services file)`,
      destructive: false,
      commands: [
        strict,
        `foreach ($s in @(${svc(o, "server")}, ${svc(o, "address")}, ${svc(o, "objectServer")})) { Stop-Service -Name $s }`,
        `New-Item -ItemType Directory -Force -Path ${q(o.backupDir)} | Out-Null`,
        `$point = Join-Path ${q(o.backupDir)} (${q(`${hop.from}-before-${hop.to}.`)} + (Get-Date -Format 'yyyyMMddTHHmmss'))`,
        // robocopy, not Compress-Archive: that one skips hidden files and stops at 2 GB per file
        ...p.kept.map((k, i) => `${copyTree(expand(k), `(Join-Path $point '${i}')`)}`),
        `Set-Content -LiteralPath ${q(p.pointer)} -Value $point`,
      ],
    }),
    step({ id: "install-object-server", action: "run", title: "Install Object Server (the site's installer)", destructive: true, commands: [strict, installer(o.installers.objectServer, "objectServer")] }),
    step({ id: "install-address-server", action: "run", title: "Update-install Address Server (the site's installer)", destructive: true, commands: [strict, installer(o.installers.addressServer, "addressServer")] }),
    step({ id: "install-mail-server", action: "run", title: "Update-install Mail Server (the site's installer)", destructive: true, commands: [strict, installer(o.installers.mailServer, "mailServer")] }),
  );
  if (entries.length) {
    // upchain checks conflicts at preview; the script adds only what is missing and keeps everything else
    steps.push({
      id: "services-add",
      action: "services-add",
      shell: "powershell",
      title: `Add ${entries.map(describeEntry).join(", ")} to ${o.servicesFile}`,
      destructive: true,
      file: o.servicesFile,
      entries,
      commands: [
        strict,
        `$services = ${expand(o.servicesFile)}`,
        `Copy-Item -LiteralPath $services -Destination ($services + '.upchain.bak') -Force`,
        // Add-Content would glue the first entry onto a last line that has no line ending
        `if ((Get-Content -LiteralPath $services -Raw) -notmatch '(\\r?\\n)$') { Add-Content -LiteralPath $services -Value '' }`,
        ...entries.map(
          (e) =>
            `if (-not (Select-String -LiteralPath $services -Pattern ${q(`^\\s*${e.name}\\s+${e.port}/${e.protocol}\\b`)} -Quiet)) ` +
            `{ Add-Content -LiteralPath $services -Value ${q(`${e.name.padEnd(15)} ${e.port}/${e.protocol}`)} }`,
        ),
      ],
    });
  }
  steps.push(step({ id: "start-object-server", action: "run", title: "Start Object Server (its start-up check)", destructive: false, commands: [strict, `Start-Service -Name ${svc(o, "objectServer")}`] }));
  if (needsAdvup(hop.from)) {
    steps.push(
      step({
        id: "advup2_6",
        action: "run",
        title: "Run advup2_6 on the master management server as the system administrator, then confirm the Address_Mail Server setup",
        destructive: true,
        commands: [strict, `& ${q(o.advup)}`, `if ($LASTEXITCODE -ne 0) { throw ('advup2_6 exited ' + $LASTEXITCODE) }`, ...(o.addressMailSetup ? [o.addressMailSetup] : [])],
      }),
    );
  }
  steps.push(
    step({ id: "start-address", action: "run", title: "Start the address service (its start-up check)", destructive: false, commands: [strict, `Start-Service -Name ${svc(o, "address")}`] }),
    step({ id: "start-server", action: "run", title: "Start the server (the mail application)", destructive: false, commands: [strict, `Start-Service -Name ${svc(o, "server")}`] }),
    step({
      id: "clear-journal",
      action: "run",
      title: `Delete the master management server's journal files (${o.journalDir}\\${o.journalPattern}) kept by the old version`,
      destructive: true,
      commands: [strict, `Get-ChildItem -LiteralPath ${q(o.journalDir)} -Filter ${q(o.journalPattern)} -File -ErrorAction SilentlyContinue | Remove-Item -Force -Verbose`],
    }),
  );
  if (o.operatorConsole) {
    steps.push(step({ id: "start-console", action: "run", title: "Start the operator console (運転席)", destructive: false, commands: [strict, `Start-Service -Name ${svc(o, "console")}`] }));
  }
  steps.push(
    step({
      id: "verify",
      action: "verify",
      title: `Check that ${hop.to} is installed and Object Server, the address service and the server run`,
      destructive: false,
      commands: [
        strict,
        `$v = (Get-Content -LiteralPath ${q(o.installDir + "\\VERSION")}).Trim(); if ($v -ne ${q(hop.to)}) { throw ('the installed version reads ' + $v + ', not ' + ${q(hop.to)}) }`,
        `foreach ($s in @(${svc(o, "objectServer")}, ${svc(o, "address")}, ${svc(o, "server")})) { if ((Get-Service -Name $s).Status -ne 'Running') { throw ($s + ' is not running') } }`,
      ],
    }),
  );
  if (o.backupAfterUpgrade) {
    steps.push(
      step({
        id: "backup-v6",
        action: "run",
        title: `Back up the ${hop.to} environment (recommended by the document, so a disk failure never sends you back to ${hop.from})`,
        destructive: false,
        commands: [
          strict,
          `$point = Join-Path ${q(o.backupDir)} (${q(`${hop.to}-after-upgrade.`)} + (Get-Date -Format 'yyyyMMddTHHmmss'))`,
          ...p.kept.map((k, i) => copyTree(expand(k), `(Join-Path $point '${i}')`)),
        ],
      }),
    );
  }
  steps.push(step({ id: "restore-autostart", action: "run", title: "Put the automatic start setting back if it was changed", destructive: false, commands: [strict, restoreAutostart(o, hop)] }));
  return steps;
}

export function windowsRestoreSteps(o: GroupmaxSettings, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  return [
    step({
      id: "restore-backup",
      action: "restore",
      title: `Put back ${p.kept.join(", ")} from the restore point taken before ${hop.to}`,
      destructive: true,
      commands: [
        strict,
        `foreach ($s in @(${svc(o, "console")}, ${svc(o, "server")}, ${svc(o, "address")}, ${svc(o, "objectServer")})) { Stop-Service -Name $s -ErrorAction SilentlyContinue }`,
        `$point = (Get-Content -LiteralPath ${q(p.pointer)}).Trim()`,
        // each kept path comes back from its numbered copy; a folder is mirrored, so nothing the failed hop added stays
        ...p.kept.map((k, i) =>
          // the backup noted whether each path was a folder or a file (the failed hop may have removed it)
          `$copy = Join-Path $point '${i}'; $dst = ${expand(k)}; if ((Get-Content -LiteralPath ($copy + '.kind')).Trim() -eq 'folder') { ` +
            `robocopy $copy $dst /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy exited ' + $LASTEXITCODE) } } ` +
            `else { Copy-Item -LiteralPath (Join-Path $copy (Split-Path -Leaf $dst)) -Destination $dst -Force }`,
        ),
      ],
    }),
  ];
}

export function windowsRecoverSteps(o: GroupmaxSettings, hop: Hop): Step[] {
  return [
    { ...step({ id: "recover-autostart", action: "restore", title: "Put the automatic start setting back", destructive: false, commands: [strict, restoreAutostart(o, hop)] }), always: true },
    step({
      id: "recover-services",
      action: "restore",
      title: `Start ${hop.from}'s Object Server, address service and server again`,
      destructive: false,
      commands: [strict, ...(["objectServer", "address", "server"] as const).map((s) => `Start-Service -Name ${svc(o, s)}`), ...(o.operatorConsole ? [`Start-Service -Name ${svc(o, "console")}`] : [])],
    }),
  ];
}
