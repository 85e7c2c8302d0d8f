// The read-only commands behind preview's Oracle AS host checks (checks.ts judges what they print),
// in each platform's shell: POSIX sh on the Linux stand-in, PowerShell on Windows (the document's
// own platform, within the catalog's minPowerShell 3.0). Every value is quoted for its shell; what
// the host's files and registry hold is printed as data for the judge, never run.
import { Shell } from "../../engine/planning/catalog";
import { quote, quotePowerShell } from "../../quote";
import { OracleAsOptions } from "./options";

export interface CheckReads {
  shell: Shell;
  /** Prints absent, empty, earlier-attempt (an earlier attempt installed the 10.1.2 Upgrade Assistant there) or occupied. */
  destination(dest: string): string;
  /** Prints `active=<home>`, or nothing when no active EM home is named. */
  activeEmHome: string;
  /** Prints the second entry of the source's portlist.ini (004: the Web Cache port), or nothing. */
  webCachePortEntry: string;
  /** Where the active EM home is named, for messages, and the stack field a problem with it goes under. */
  emWhere: string;
  emField: string;
  /** The path of a file in a home, as the platform writes it. */
  inHome(home: string, ...parts: string[]): string;
}

export function linuxReads(o: OracleAsOptions): CheckReads {
  const q = quote;
  const inHome = (home: string, ...parts: string[]) => [home, ...parts].join("/");
  return {
    shell: "sh",
    inHome,
    // upgrade/iasua.sh stands for 004's DESTINATION_ORACLE_HOME\upgrade\iasua.bat: the install step's own sign of an earlier attempt
    destination: (dest) =>
      `if [ ! -e ${q(dest)} ]; then echo absent; elif [ -x ${q(dest + "/upgrade/iasua.sh")} ]; then echo earlier-attempt; elif [ -z "$(ls -A -- ${q(dest)} 2>/dev/null)" ]; then echo empty; else echo occupied; fi`,
    // emtab stands for the registry value em_loc that 004 names on Windows (options.ts)
    activeEmHome: `em=$(sed -n 's/^DEFAULT=//p' ${q(o.emtab)} 2>/dev/null | head -n 1); if [ -n "$em" ]; then printf 'active=%s\\n' "$em"; fi`,
    webCachePortEntry: `grep -v '^[[:space:]]*$' ${q(inHome(o.sourceHome, "install", "portlist.ini"))} 2>/dev/null | sed -n 2p`,
    emWhere: o.emtab,
    emField: "options.emtab",
  };
}

export function windowsReads(o: OracleAsOptions): CheckReads {
  const q = quotePowerShell;
  const strict = "$ErrorActionPreference = 'Stop'; ";
  const inHome = (home: string, ...parts: string[]) => [home, ...parts].join("\\");
  return {
    shell: "powershell",
    inHome,
    destination: (dest) =>
      `${strict}$d = ${q(dest)}; if (-not (Test-Path -LiteralPath $d)) { 'absent' } else { ` +
      `if (Test-Path -LiteralPath ${q(inHome(dest, "upgrade", "iasua.bat"))}) { 'earlier-attempt' } elseif (Get-ChildItem -LiteralPath $d -Force | Select-Object -First 1) { 'occupied' } else { 'empty' } }`,
    // 004: the active Enterprise Manager Web Site is stored in HKEY_LOCAL_MACHINE\SOFTWARE\ORACLE\em_loc
    activeEmHome: `${strict}$em = (Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\ORACLE' -Name em_loc -ErrorAction SilentlyContinue).em_loc; if ($em) { Write-Output ('active=' + $em) }`,
    webCachePortEntry:
      `${strict}$e = @(Get-Content -LiteralPath ${q(inHome(o.sourceHome, "install", "portlist.ini"))} -ErrorAction SilentlyContinue | Where-Object { $_.Trim() -ne '' }); ` +
      `if ($e.Count -ge 2) { $e[1] }`,
    emWhere: "the registry value HKLM\\SOFTWARE\\ORACLE\\em_loc",
    emField: "options.sourceHome",
  };
}
