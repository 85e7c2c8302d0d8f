// The PowerShell a Windows recipe needs, checked at preview: each catalog with a Windows platform
// states the oldest Windows PowerShell its steps run on (Catalog.minPowerShell; the cmdlets and
// parameters it uses are checked against that in tests/unit/powershell/cmdletVersions.test.ts), and
// preview reads the host's $PSVersionTable.PSVersion, read-only, as data, and refuses an older one.
import { Catalog, HostCheck, Hop, PlanContext } from "./catalog";

const parts = (v: string) => v.split(".").map(Number);

/** True when version `v` (major.minor[.build...]) is at least `min`. */
export function atLeast(v: string, min: string): boolean {
  const [a, b] = [parts(v), parts(min)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d > 0;
  }
  return true;
}

export function powerShellVersionCheck(title: string, min: string): HostCheck {
  return {
    id: "powershell-version",
    path: "platform",
    shell: "powershell",
    command: "$PSVersionTable.PSVersion.ToString()",
    judge: ({ code, stdout, stderr }) => {
      const v = stdout.trim();
      if (code !== 0 || !/^\d+(\.\d+)+$/.test(v)) {
        return `could not read this host's PowerShell version ($PSVersionTable.PSVersion printed ${JSON.stringify(v)}${stderr.trim() ? `, error: ${stderr.trim()}` : ""}); ${title}'s Windows recipe needs Windows PowerShell ${min} or later`;
      }
      if (atLeast(v, min)) return undefined;
      return `this host runs PowerShell ${v}; ${title}'s Windows recipe uses cmdlets of Windows PowerShell ${min}: install Windows Management Framework ${min} (or later) on the host, then preview again`;
    },
  };
}

/** The host checks preview runs for `hops`: the PowerShell version first on Windows, then the catalog's own. */
export function hostChecksFor(catalog: Catalog, hops: Hop[], ctx: PlanContext): HostCheck[] {
  const ps = ctx.platform === "windows" && catalog.minPowerShell ? [powerShellVersionCheck(catalog.title, catalog.minPowerShell)] : [];
  return [...ps, ...(catalog.hostChecks?.(hops, ctx) ?? [])];
}
