// OMFLOW on Windows (PowerShell over OpenSSH), after 001 "Windows" (000 the same in Japanese).
// Rendered and tested as scripts: no Windows host can run here. Every value is quoted with
// quotePowerShell. What the document leaves open comes from the stack's options, shown as
// <site: ...> placeholders when `upchain plan` runs without them (windowsPreflight.ts asks for them).
import * as path from "path";
import { Hop, Step, psStep as step, uploadStep } from "../../engine/planning/catalog";
import { DOCUMENTS, fromDocument, fromSafety, fromSite, sitePlaceholder } from "../../engine/planning/provenance";
import { quotePowerShell as q } from "../../quote";
import { keepEarlierPs, privateFolderPs } from "../privateFolder";
import { crossesPython311 } from "./hops";
import { OmflowOptions, windowsBackupRoot } from "./options";

const doc = (section: string, quote: string) => fromDocument(DOCUMENTS.omflowEnglish, section, quote);
const GENERAL = "Windows, General Version Update Steps";
const NOTES = "Windows, Notes for Version 1.2.0.0";
const strict = "$ErrorActionPreference = 'Stop'";

function winPaths(o: OmflowOptions, hop: Hop) {
  const dir = o.windowsInstallDir;
  const point = `${windowsBackupRoot(dir)}\\${hop.from}-to-${hop.to}`;
  return {
    dir,
    // beside the restore point, in the private restore points' folder, outside the install folder:
    // an updater that cleans its own folders cannot delete the update file or verify's marker
    work: `${point}.work`,
    backupRoot: windowsBackupRoot(dir),
    point,
    installCopy: `${point}\\install`,
    database: `${point}\\database`,
    // 001's C:\PROGRA~1\OMFLOW Server\Python311 is the default install folder's: it follows the install folder
    python311: `${dir}\\Python311`,
  };
}

/** A site command, or its placeholder when the stack has not given it (preview refuses the plan then). */
const siteCommand = (value: string | undefined, field: string) => value ?? `throw ${q(`${sitePlaceholder(field)} is not set`)}`;

/** Mirror folder `from` onto `to`, hidden and system files included; robocopy's exit codes below 8 mean success. */
const mirror = (from: string, to: string) =>
  `robocopy ${q(from)} ${q(to)} /MIR /COPY:DAT /DCOPY:DAT /R:1 /W:1 /NP /NFL /NDL | Out-Null; if ($LASTEXITCODE -ge 8) { throw ('robocopy ' + ${q(from)} + ' exited ' + $LASTEXITCODE) }`;

const waitForService = (svc: string, seconds: number) =>
  `$deadline = (Get-Date).AddSeconds(${seconds}); ` +
  `while ((Get-Service -Name ${q(svc)}).Status -ne 'Running') { ` +
  `if ((Get-Date) -gt $deadline) { throw ('service ' + ${q(svc)} + ' is not running after ${seconds}s') }; Start-Sleep -Seconds 5 }`;

/** 001 says "OMFLOW service" and names no Windows service: the site's name, or its placeholder. */
const serviceOf = (o: OmflowOptions) => o.windowsServiceName ?? sitePlaceholder("options.windowsServiceName");

export function windowsHopSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  const updater = `${p.work}\\${path.win32.basename(o.patches[hop.to] ?? "update.exe")}`;
  const started = `${p.work}\\update-started`;
  const service = serviceOf(o);
  const svc = q(service);
  const steps: Step[] = [
    step({
      id: "backup",
      action: "backup",
      title: `Stop OMFLOW and copy ${p.dir} (hidden files included) to the restore point`,
      destructive: false,
      // stopped, so no file is locked or half-written; robocopy, not Compress-Archive, which skips hidden files
      commands: [strict, privateFolderPs(p.backupRoot), keepEarlierPs(p.point), `Stop-Service -Name ${svc}`, mirror(p.dir, p.installCopy)],
      backupDir: p.point,
      provenance: fromSafety(
        '001 Windows General Version Update Steps 1 says "Please backup OMFLOW first" and refers to a "Backup and Restore" section that is not among the documents: ' +
          "upchain stops OMFLOW and mirrors the install folder into a private restore point; the restore mirrors it back",
      ),
    }),
    step({
      id: "backup-database",
      action: "run",
      title: "Dump OMFLOW's database into the restore point with the site's command, OMFLOW still stopped",
      destructive: false,
      commands: [
        strict,
        `New-Item -ItemType Directory -Force -Path ${q(p.database)} | Out-Null; Set-Location -LiteralPath ${q(p.database)}`,
        siteCommand(o.databaseBackup, "options.databaseBackup"),
        `if ($LASTEXITCODE) { throw ('options.databaseBackup exited ' + $LASTEXITCODE) }`,
        `Set-Content -LiteralPath ${q(`${p.point}\\complete`)} -Value 'complete'`,
      ],
      provenance: fromSite(
        "options.databaseBackup",
        '001 refers to a "Backup and Restore" section that is not among the documents; OMFLOW keeps its data in a database server',
      ),
    }),
    step({
      id: "start-after-backup",
      action: "run",
      title: "Start OMFLOW again, as it was before the backup",
      destructive: false,
      commands: [strict, `Start-Service -Name ${svc}`, waitForService(serviceOf(o), 600)],
      provenance: fromSafety("the backup stopped OMFLOW for a consistent copy; this starts it again, so the update file finds it as the document expects"),
    }),
    uploadStep("powershell", {
      id: "upload-update",
      title: `Upload the ${hop.to} update file`,
      source: o.patches[hop.to] ?? "",
      destination: updater,
      provenance: fromSite(`options.patches["${hop.to}"]`, "the document names no place to download the update file from; the site's copy"),
    }),
  ];
  if (crossesPython311(hop) && (o.additionalPythonPackages === undefined || o.additionalPythonPackages.length)) steps.push(...python311Steps(o, hop));
  steps.push(
    step({
      id: "run-update",
      action: "run",
      title:
        `Run the ${hop.to} update file as administrator with the site's arguments (its language, terms of use, Update and Finish answered by them; ` +
        `terms of use accepted by options.acceptTermsOfUse: ${o.acceptTermsOfUse === true ? "true" : sitePlaceholder("options.acceptTermsOfUse")})`,
      destructive: true,
      commands: runUpdater(o, updater, started),
      provenance: fromSite(
        "options.updaterArguments",
        'the update file is interactive (001 Windows steps 2-6: "Run as administrator", language, "I agree", "Update", "Finish") and no unattended switch is documented; the site\'s arguments, with options.acceptTermsOfUse',
      ),
    }),
    step({
      id: "wait-service",
      action: "run",
      title: "Wait for the OMFLOW service to restart by itself",
      destructive: false,
      commands: [strict, waitForService(serviceOf(o), 600)],
      provenance: doc(`${GENERAL} 6`, "After the update, OMFLOW service will automatically restart."),
    }),
    step({
      id: "verify",
      action: "verify",
      title: "Check the OMFLOW service restarted after the update began and is running",
      destructive: false,
      commands: [
        strict,
        `if ((Get-Service -Name ${svc}).Status -ne 'Running') { throw 'the OMFLOW service is not running after the update' }`,
        `$began = [DateTime]::Parse((Get-Content -LiteralPath ${q(started)}).Trim(), $null, [Globalization.DateTimeStyles]::RoundtripKind)`,
        `$service = Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq ${svc} }`,
        `$since = (Get-Process -Id $service.ProcessId).StartTime.ToUniversalTime(); if ($since -lt $began) { throw ('the OMFLOW service has run since ' + $since.ToString('o') + ', before the update began: it did not restart') }`,
      ],
      provenance: doc(`${GENERAL} 6`, "After the update, OMFLOW service will automatically restart."),
    }),
  );
  return steps;
}

function runUpdater(o: OmflowOptions, updater: string, started: string): string[] {
  if (!o.updaterArguments || o.acceptTermsOfUse !== true) {
    const missing = !o.updaterArguments ? "options.updaterArguments" : "options.acceptTermsOfUse";
    return [
      strict,
      `throw ${q(`${sitePlaceholder(missing)}: the update file is interactive; upchain runs it only with the site's arguments and accepted terms of use`)}`,
    ];
  }
  const args = o.updaterArguments.length ? ` -ArgumentList @(${o.updaterArguments.map(q).join(", ")})` : "";
  return [
    strict,
    `Set-Content -LiteralPath ${q(started)} -Value ((Get-Date).ToUniversalTime().ToString('o'))`,
    `$p = Start-Process -FilePath ${q(updater)}${args} -Verb RunAs -PassThru`,
    // Windows PowerShell leaves ExitCode $null unless the process handle was read while it ran
    // (PowerShell issue #5421): read it now, so a good update is not taken for a failed one
    "$null = $p.Handle",
    // an updater still waiting for a click would hang the hop: the site's arguments did not answer it
    `if (-not $p.WaitForExit(3600000)) { Stop-Process -Id $p.Id -Force; throw 'the update file was still running after an hour: it may be waiting for input options.updaterArguments does not answer' }`,
    `if ($null -eq $p.ExitCode) { throw 'the update file ended but Windows gave no exit code for it: check the OMFLOW service and the update file before running again' }`,
    `if ($p.ExitCode -ne 0) { throw ('the update file exited ' + $p.ExitCode) }`,
  ];
}

/**
 * 001 Notes for Version 1.2.0.0, when the site added Python packages (else the update file needs no
 * manual step). The document runs them inside the updater's check loop (install Python 3.11, click
 * Next, install what its check lists missing, again until nothing is); an unattended updater cannot
 * wait for that, so they run before it, with the packages the site lists; the updater's own check
 * then finds nothing missing, or fails the hop (and the hop is restored).
 */
function python311Steps(o: OmflowOptions, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  const installer = `${p.work}\\${path.win32.basename(o.python311Installer ?? "python-3.11.exe")}`;
  const packages = o.additionalPythonPackages;
  return [
    uploadStep("powershell", {
      id: "upload-python311",
      title: "Upload the Python 3.11 (32 bit) Windows installer",
      source: o.python311Installer ?? "",
      destination: installer,
      provenance: fromSite("options.python311Installer", "the document says to download the Python 3.11 (32 Bit) Windows Installer; the site's copy"),
    }),
    step({
      id: "install-python311",
      action: "run",
      title: `Install Python 3.11 (32 bit) at ${p.python311}`,
      destructive: true,
      // /quiet and TargetDir are the Python installer's own documented options (docs.python.org, "Installing Without UI")
      commands: [
        strict,
        `$p = Start-Process -FilePath ${q(installer)} -ArgumentList @('/quiet', ${q(`TargetDir=${p.python311}`)}) -Wait -PassThru`,
        `if ($p.ExitCode -ne 0) { throw ('the Python 3.11 installer exited ' + $p.ExitCode) }`,
        `if (-not (Test-Path -LiteralPath ${q(`${p.python311}\\python.exe`)})) { throw ('no python.exe in ' + ${q(p.python311)} + ' after the installer') }`,
      ],
      provenance: doc(`${NOTES} 1-3`, "Download Python 3.11 (32 Bit) Windows Installer and run it."),
    }),
    step({
      id: "install-additional-packages",
      action: "run",
      title: `Install the site's additional Python packages into ${p.python311} (${packages ? packages.join(", ") : sitePlaceholder("options.additionalPythonPackages")})`,
      destructive: true,
      commands: [
        strict,
        `Set-Location -LiteralPath ${q(p.python311)}`,
        packages
          ? `& .\\python.exe -m pip install ${packages.map(q).join(" ")}; if ($LASTEXITCODE -ne 0) { throw ('pip install exited ' + $LASTEXITCODE) }`
          : `throw ${q(`${sitePlaceholder("options.additionalPythonPackages")} is not set`)}`,
      ],
      provenance: doc(`${NOTES} 6-7`, "Use the command `python.exe -m pip install` for installation."),
    }),
  ];
}

export function windowsRestoreSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  return [
    step({
      id: "restore",
      action: "restore",
      title: `Stop OMFLOW and put ${p.dir} back as it was before ${hop.to}`,
      destructive: true,
      // mirrored back: what the hop added goes, what it changed comes back, nothing is emptied first
      commands: [
        `${strict}; if (-not (Test-Path -LiteralPath ${q(`${p.point}\\complete`)})) { throw ('the restore point ' + ${q(p.point)} + ' is not complete; nothing was changed') }`,
        `Stop-Service -Name ${q(serviceOf(o))} -Force -ErrorAction SilentlyContinue`,
        mirror(p.installCopy, p.dir),
      ],
      provenance: fromSafety(
        "puts the install folder back from the hop's restore point when the hop failed (001's Windows steps name no restore; its \"Backup and Restore\" section is not among the documents)",
      ),
    }),
    step({
      id: "restore-database",
      action: "restore",
      title: "Load the database dump back with the site's command",
      destructive: true,
      commands: [
        strict,
        `Set-Location -LiteralPath ${q(p.database)}`,
        siteCommand(o.databaseRestore, "options.databaseRestore"),
        `if ($LASTEXITCODE) { throw ('options.databaseRestore exited ' + $LASTEXITCODE) }`,
      ],
      provenance: fromSite(
        "options.databaseRestore",
        "001's \"Backup and Restore\" section is not among the documents; the site's command loads what options.databaseBackup dumped",
      ),
    }),
  ];
}

/** After a failed hop (restored or not yet changed): OMFLOW running again, as the backup left it. */
export function windowsRecoverSteps(o: OmflowOptions): Step[] {
  return [
    step({
      id: "start-service",
      action: "run",
      title: "Start OMFLOW again",
      destructive: false,
      commands: [strict, `Start-Service -Name ${q(serviceOf(o))}`, waitForService(serviceOf(o), 600)],
      provenance: fromSafety(
        "the backup or the restore stopped OMFLOW; this starts it again (not after a failed restore: a half-restored OMFLOW stays stopped)",
      ),
    }),
  ];
}
