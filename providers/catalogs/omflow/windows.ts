// OMFLOW on Windows (PowerShell over OpenSSH). Rendered and tested as scripts: no Windows host can
// run here. Every value is quoted with quotePowerShell.
import * as path from "path";
import { Hop, Step, psStep as step, uploadStep } from "../../engine/catalog";
import { quotePowerShell as q } from "../../quote";
import { keepEarlierPs, privateFolderPs } from "../privateFolder";
import { OmflowOptions, windowsBackupRoot } from "./options";
import { PYTHON311_VERSION } from "./rules";

function winPaths(o: OmflowOptions, hop: Hop) {
  const dir = o.windowsInstallDir;
  return {
    dir,
    versionFile: `${dir}\\VERSION`,
    work: `${dir}\\tmp\\upchain\\${hop.to}`,
    backupRoot: windowsBackupRoot(dir),
    backup: `${windowsBackupRoot(dir)}\\${hop.from}-to-${hop.to}`,
    oldPython: `${dir}\\Python`,
    // the document's own 8.3 path: C:\PROGRA~1\OMFLOW Server\Python311
    newPython: `C:\\PROGRA~1\\OMFLOW Server\\Python311`,
  };
}

const waitForService = (svc: string, seconds: number) =>
  `$deadline = (Get-Date).AddSeconds(${seconds}); ` +
  `while ((Get-Service -Name ${q(svc)}).Status -ne 'Running') { ` +
  `if ((Get-Date) -gt $deadline) { throw ('service ' + ${q(svc)} + ' did not restart within ${seconds}s') }; Start-Sleep -Seconds 5 }`;

export function windowsHopSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  const updater = `${p.work}\\${path.win32.basename(o.patches[hop.to] ?? "update.exe")}`;
  const steps: Step[] = [
    step({
      id: "backup",
      action: "backup",
      title: `Back up ${p.dir} before ${hop.to}`,
      destructive: false,
      // private (see privateFolder.ts); an earlier attempt's restore point is moved aside, never deleted
      commands: [
        `$ErrorActionPreference = 'Stop'`,
        privateFolderPs(p.backupRoot),
        keepEarlierPs(p.backup),
        `New-Item -ItemType Directory -Force -Path ${q(p.backup)} | Out-Null`,
        `Compress-Archive -Path (Join-Path ${q(p.dir)} '*') -DestinationPath (Join-Path ${q(p.backup)} 'install.zip')`,
        `Set-Content -LiteralPath (Join-Path ${q(p.backup)} 'complete') -Value 'complete'`,
      ],
      backupDir: p.backup,
    }),
    uploadStep("powershell", {
      id: "upload-update",
      title: `Upload the ${hop.to} update file`,
      source: o.patches[hop.to] ?? "",
      destination: updater,
    }),
  ];
  if (hop.to === PYTHON311_VERSION) steps.push(...python311Steps(o, hop));
  steps.push(
    step({
      id: "run-update",
      action: "run",
      title: `Run the ${hop.to} update file as administrator (it checks this server may take it)`,
      destructive: true,
      commands: [
        `$ErrorActionPreference = 'Stop'; $p = Start-Process -FilePath ${q(updater)} -ArgumentList '/S' -Verb RunAs -Wait -PassThru`,
        `if ($p.ExitCode -ne 0) { throw ('update file exited ' + $p.ExitCode) }`,
      ],
    }),
    step({
      id: "wait-service",
      action: "run",
      title: "Wait for the OMFLOW service to restart by itself",
      destructive: false,
      commands: [waitForService(o.windowsServiceName, 600)],
    }),
    step({
      id: "verify",
      action: "verify",
      title: `Check OMFLOW runs and reports ${hop.to}`,
      destructive: false,
      commands: [
        `if ((Get-Service -Name ${q(o.windowsServiceName)}).Status -ne 'Running') { throw 'OMFLOW is not running' }`,
        `$v = (Get-Content -LiteralPath ${q(p.versionFile)} -Raw).Trim(); if ($v -ne ${q(hop.to)}) { throw ('OMFLOW reports ' + $v + ', expected ' + ${q(hop.to)}) }`,
      ],
      expectVersion: hop.to,
    }),
  );
  return steps;
}

/** Python 3.11 (32 bit) beside the old one, then the missing packages until none are missing. */
function python311Steps(o: OmflowOptions, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  const bundle = `${p.work}\\bundle`;
  const newPy = `${p.newPython}\\python.exe`;
  const oldPy = `${p.oldPython}\\python.exe`;
  return [
    uploadStep("powershell", {
      id: "upload-bundle",
      title: "Upload the offline bundle (Python 3.11 32-bit installer and wheels)",
      source: o.offlineBundle ?? "",
      destination: bundle,
      directory: true,
    }),
    step({
      id: "install-python311",
      action: "run",
      title: `Install Python 3.11 (32 bit) at ${p.newPython}`,
      destructive: true,
      commands: [
        `$ErrorActionPreference = 'Stop'; $installer = Get-ChildItem -LiteralPath ${q(bundle)} -Filter 'python-3.11*.exe' | Select-Object -First 1`,
        `$p = Start-Process -FilePath $installer.FullName -ArgumentList @('/quiet', 'InstallAllUsers=1', 'PrependPath=0', ('TargetDir=' + ${q(p.newPython)})) -Wait -PassThru`,
        `if ($p.ExitCode -ne 0) { throw ('Python 3.11 installer exited ' + $p.ExitCode) }`,
      ],
    }),
    step({
      id: "install-missing-packages",
      action: "run",
      title: "Install into Python311 every package the old Python has, until none is missing",
      destructive: true,
      commands: [
        `$ErrorActionPreference = 'Stop'`,
        `$names = { param($py) & $py -m pip freeze --all | ForEach-Object { ($_ -split '==')[0].ToLower() } }`,
        `for ($round = 1; $round -le 5; $round++) { ` +
          `$missing = @(& $names ${q(oldPy)} | Where-Object { $_ -notin @(& $names ${q(newPy)}) -and $_ -notin @('pip','setuptools','django') }); ` +
          `if ($missing.Count -eq 0) { break }; ` +
          `& ${q(newPy)} -m pip install --no-index --find-links ${q(bundle + "\\wheels")} @missing; ` +
          `if ($LASTEXITCODE -ne 0) { throw ('pip could not install: ' + ($missing -join ', ')) } }`,
        `if ($missing.Count -ne 0) { throw ('still missing after 5 rounds: ' + ($missing -join ', ')) }`,
      ],
    }),
  ];
}

export function windowsRestoreSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = winPaths(o, hop);
  return [
    step({
      id: "restore",
      action: "restore",
      title: `Restore ${p.dir} from before ${hop.to} and start ${hop.from}`,
      destructive: true,
      commands: [
        `$ErrorActionPreference = 'Stop'; if (-not (Test-Path -LiteralPath (Join-Path ${q(p.backup)} 'complete'))) { throw ('the restore point ' + ${q(p.backup)} + ' is not complete; nothing was changed') }`,
        `Stop-Service -Name ${q(o.windowsServiceName)} -Force -ErrorAction SilentlyContinue`,
        `Get-ChildItem -LiteralPath ${q(p.dir)} -Force | Remove-Item -Recurse -Force`,
        `Expand-Archive -LiteralPath (Join-Path ${q(p.backup)} 'install.zip') -DestinationPath ${q(p.dir)} -Force`,
        `Start-Service -Name ${q(o.windowsServiceName)}`,
        waitForService(o.windowsServiceName, 600),
      ],
    }),
  ];
}
