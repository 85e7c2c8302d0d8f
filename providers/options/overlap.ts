// The backup directory must lie apart from everything it backs up. A restore removes those paths
// before it extracts the backup (OMFLOW's empties the install folder, Groupmax's removes the install
// folder and the databases), so a backup inside one of them is deleted by the very restore that
// needs it; and a backup directory that holds one of them is archived into itself.
import { Platform } from "../engine/planning/catalog";
import { isSameOrInside, shown } from "./paths";
import { OptionProblem } from "./problems";

export interface PathField {
  /** The field as the stack names it: `options.installDir`. */
  field: string;
  value: string;
}

/** Paths that start with an environment variable are resolved on the host only, so they are not compared. */
const comparable = (p: string) => !p.startsWith("%");

export function backupOverlaps(backup: PathField, backedUp: readonly PathField[], platform: Platform, example: string): OptionProblem[] {
  if (!comparable(backup.value)) return [];
  const others = backedUp.map((b) => b.field).join(", ");
  const legal = `the backup directory must lie outside every path it backs up (${others}) and hold none of them; for example ${example}`;
  const problems: OptionProblem[] = [];
  for (const b of backedUp) {
    if (!comparable(b.value)) continue;
    const what = isSameOrInside(backup.value, b.value, platform)
      ? backup.value.length === b.value.length
        ? `is the same path as ${b.field} (${shown(b.value)}), which the restore removes before it extracts the backup`
        : `is inside ${b.field} (${shown(b.value)}), which the restore removes before it extracts the backup: the backup would be deleted with it`
      : isSameOrInside(b.value, backup.value, platform)
        ? `holds ${b.field} (${shown(b.value)}), so the backup would be written into what it backs up and removed by the restore`
        : undefined;
    if (what) problems.push({ path: backup.field, message: `${shown(backup.value)} ${what}; ${legal}` });
  }
  return problems;
}
