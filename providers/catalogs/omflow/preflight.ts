// What OMFLOW's preview checks before any host is touched: the options (all problems at once), then
// the local files each hop uploads (its patch, and the offline bundle for the 1.2.0.0 hop), on this
// machine, so a missing file stops the run before the server is stopped or its environment removed.
import { offlineBundleProblems } from "../../bundle";
import { Hop, PlanContext } from "../../engine/planning/catalog";
import { localPathProblems } from "../../options/localFiles";
import { OptionProblem, fieldPath } from "../../options/problems";
import { OmflowOptions, checkOmflowOptions } from "./options";
import { PYTHON311_VERSION } from "./rules";
import { windowsPreflightProblems } from "./windowsPreflight";

/**
 * The database is part of every restore point on Linux, so both site commands are required: 001
 * names OMFLOW's database ("Other python packages used by DB") but its "Backup and Restore" section
 * is not among the documents, so upchain has no command of its own for it.
 */
/**
 * Examples for a PostgreSQL site: pg_dump and pg_restore run as postgres (as root, peer
 * authentication refuses them) while root's shell writes and reads the dump, since postgres may not
 * enter the root-only restore point. The README's stack example gives the same commands.
 */
export const DATABASE_EXAMPLES = {
  databaseBackup: `sudo -u postgres pg_dump -Fc omflow > "$UPCHAIN_BACKUP_DIR/omflow.dump"`,
  databaseRestore: `sudo -u postgres pg_restore --clean -d omflow < "$UPCHAIN_BACKUP_DIR/omflow.dump"`,
} as const;

function databaseProblems(o: Partial<OmflowOptions>, failed: ReadonlySet<string>): OptionProblem[] {
  const need = {
    databaseBackup: `the site's command that copies OMFLOW's database into $UPCHAIN_BACKUP_DIR (run as root in sh, OMFLOW stopped), like ${DATABASE_EXAMPLES.databaseBackup}`,
    databaseRestore: `the site's command that puts it back from $UPCHAIN_BACKUP_DIR after a failed hop, like ${DATABASE_EXAMPLES.databaseRestore}`,
  } as const;
  return (Object.keys(need) as (keyof typeof need)[])
    .filter((k) => !failed.has(k) && !o[k])
    .map((k) => ({
      path: `options.${k}`,
      message: `every hop backs up OMFLOW's database before it changes anything, and the documents do not say how; give ${need[k]}`,
    }));
}

/** The backup, the start step, the verify and the restore ask whether OMFLOW runs: the site says how (see options.ts). */
function runningCheckProblems(o: Partial<OmflowOptions>, failed: ReadonlySet<string>): OptionProblem[] {
  if (failed.has("runningCheck") || o.runningCheck) return [];
  return [
    {
      path: "options.runningCheck",
      message:
        "every hop checks whether the OMFLOW service runs (before the backup, to start it, to verify the hop), and 001's check `/opt/omflow/server/omflow_server status` " +
        "does not say what it answers when OMFLOW is stopped; give the site's read-only command that exits 0 exactly when the OMFLOW service runs " +
        "(run as root in sh), like ${q(`${o.installDir ?? OMFLOW_DEFAULTS.installDir}/server/omflow_server`)} status once you have checked that it exits non-zero when OMFLOW is stopped",
    },
  ];
}

export function omflowPreflight(hops: Hop[], ctx: PlanContext): OptionProblem[] {
  const { fields: o, failed, problems } = checkOmflowOptions(ctx.options, ctx.platform);
  const what = ctx.platform === "windows" ? "update file" : "patch archive";
  for (const hop of hops) {
    const field = fieldPath(["options", "patches", hop.to]);
    const patch = o.patches?.[hop.to];
    if (!failed.has("patches") && !patch)
      problems.push({ path: field, message: `the hop ${hop.from} -> ${hop.to} needs the ${hop.to} ${what}; give its local path` });
    if (patch) problems.push(...localPathProblems(field, patch, "file"));
    if (ctx.platform === "windows") continue; // Windows asks its own questions, once for all hops (below)
    // online (001 step 3 method 1) installs Python 3.11 with apt and the packages from the index: no bundle
    if (hop.to !== PYTHON311_VERSION || failed.has("offlineBundle") || o.online) continue;
    if (!o.offlineBundle) {
      problems.push({
        path: "options.offlineBundle",
        message: `the ${PYTHON311_VERSION} hop rebuilds the Python 3.11 environment from an offline bundle; prepare one (npm run -s upchain -- bundle omflow ...) and give its path${ctx.platform === "linux" ? ", or set options.online: true to install from the internet as 001 step 3 method 1" : ""}`,
      });
    } else problems.push(...offlineBundleProblems("options.offlineBundle", o.offlineBundle, ctx.platform));
  }
  if (ctx.platform === "linux" && hops.length) problems.push(...databaseProblems(o, failed), ...runningCheckProblems(o, failed));
  if (ctx.platform === "windows") problems.push(...windowsPreflightProblems(o, hops, failed));
  return problems;
}
