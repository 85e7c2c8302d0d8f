// Restore points on Windows are private like on Linux: the folder is created if needed and its ACL
// replaced by full control for Administrators and SYSTEM only, inherited by everything created in it
// (robocopy /COPY:DAT and Compress-Archive copy no ACLs, so what they write inherits this one). The
// well-known SIDs are used, not names, because group names are translated on localised Windows.
import { quotePowerShell as q } from "../quote";

export const ADMINISTRATORS_SID = "S-1-5-32-544";
export const SYSTEM_SID = "S-1-5-18";

/** PowerShell that creates the folder `path` and restricts it; fails naming the folder when icacls does. */
export function privateFolderPs(path: string): string {
  const grants = [ADMINISTRATORS_SID, SYSTEM_SID].map((sid) => q(`*${sid}:(OI)(CI)F`)).join(" ");
  return (
    `$private = ${q(path)}; New-Item -ItemType Directory -Force -Path $private | Out-Null; ` +
    // /reset drops explicit entries someone added, /inheritance:r the ones inherited from the parent
    `icacls $private /reset | Out-Null; if ($LASTEXITCODE -eq 0) { icacls $private /inheritance:r /grant:r ${grants} | Out-Null }; ` +
    `if ($LASTEXITCODE -ne 0) { throw ('icacls could not restrict ' + $private + ' to Administrators and SYSTEM (exit ' + $LASTEXITCODE + ')') }`
  );
}

/** PowerShell that moves an earlier restore point at `path` aside (`<path>.<UTC time>.<pid>`), never deleting it. */
export function keepEarlierPs(path: string): string {
  return (
    `if (Test-Path -LiteralPath ${q(path)}) { $aside = ${q(path)} + '.' + (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ') + '.' + $PID; ` +
    `Move-Item -LiteralPath ${q(path)} -Destination $aside; Write-Output ('kept the earlier restore point as ' + $aside) }`
  );
}
