// OMFLOW's options in the stack, validated with zod. Paths default to the document's layout. The
// Linux paths are POSIX paths and windowsInstallDir a Windows one, whatever the platform, since each
// is used on its own platform only. Every key is checked (a misspelled one is refused, not ignored).
import * as path from "path";
import { z } from "zod";
import type { OmflowOptions } from "./optionTypes";
import { Platform } from "../../engine/planning/catalog";
import { localPath } from "../../options/localFiles";
import { backupOverlaps } from "../../options/overlap";
import { Checked, checkOptions, parseOptions } from "../../options/parse";
import { absolutePath } from "../../options/paths";
import { OptionProblem, fieldPath } from "../../options/problems";
import { windowsServiceName } from "../../options/names";
import { expecting, flag, strictOptions } from "../../options/schema";

export const OMFLOW_DEFAULTS = {
  installDir: "/opt/omflow",
  apacheSiteConf: "/etc/apache2/sites-enabled/django.conf",
  backupDir: "/var/backups/upchain/omflow",
  windowsInstallDir: "C:\\Program Files\\OMFLOW Server",
} as const;

/** An example for messages only: 001 says "OMFLOW service" and names no Windows service, so the site gives it. */
const SERVICE_EXAMPLE = "OMFLOW Server";

/** The folder beside windowsInstallDir that holds the Windows restore points (see windows.ts). */
const WINDOWS_BACKUPS = "OMFLOW-upchain-backups";
export const windowsBackupRoot = (windowsInstallDir: string) => path.win32.join(path.win32.dirname(windowsInstallDir), WINDOWS_BACKUPS);

const d = OMFLOW_DEFAULTS;

const omflowOptionsSchema = strictOptions(
  {
    /** Local patch archives (Linux .tar.gz) or update files (Windows .exe), by the version they install. */
    patches: z
      .record(z.string(), localPath(), expecting('patch files by the version they install, like { "1.2.0.1": /srv/omflow/omflow_patch_1_2_0_1.tar.gz }'))
      .default({}),
    /** Local offline bundle for the 1.2.0.0 hop: debs/, wheels/ and the mod_wsgi sdist (see README). */
    offlineBundle: localPath().optional(),
    /** The 1.2.0.0 hop installs Python 3.11 with apt (deadsnakes PPA) and its packages from the index, as 001 step 3 method 1, instead of from offlineBundle. */
    online: flag().default(false),
    // the restore empties the install folder before it extracts the backup
    installDir: absolutePath("linux", d.installDir, { removedByRestore: true }).default(d.installDir),
    apacheSiteConf: absolutePath("linux", d.apacheSiteConf).default(d.apacheSiteConf),
    backupDir: absolutePath("linux", d.backupDir).default(d.backupDir),
    windowsInstallDir: absolutePath("windows", d.windowsInstallDir, { removedByRestore: true }).default(d.windowsInstallDir),
    /** Windows: the OMFLOW service's name as Windows knows it (Get-Service); no default, see SERVICE_EXAMPLE. */
    windowsServiceName: windowsServiceName(SERVICE_EXAMPLE).optional(),
    // The site's answers to what the document leaves open (no defaults; see windowsOptions.ts).
    /**
     * The site's command that dumps OMFLOW's database into the hop's private restore point, run as
     * root in the platform's shell with OMFLOW stopped (Linux: the folder is $UPCHAIN_BACKUP_DIR;
     * Windows: the current folder). No default: 001 names the database only as "Other python packages
     * used by DB", and its "Backup and Restore" section is not among the documents.
     */
    databaseBackup: z.string(expecting("a command")).min(1).optional(),
    /** The site's command that loads that dump back, in the same folder, with OMFLOW stopped. */
    databaseRestore: z.string(expecting("a command")).min(1).optional(),
    /**
     * Linux: the site's read-only command that exits 0 exactly when the OMFLOW service runs, run as root
     * in sh. No default: 001 checks with `omflow_server status` but never says what it answers when
     * OMFLOW is stopped.
     */
    runningCheck: z.string(expecting("a command")).min(1).optional(),
    /** Windows: the arguments that run the site's update file unattended (the document's is interactive). */
    updaterArguments: z.array(z.string(), expecting('a list of arguments, like ["<argument>"]')).optional(),
    /** Windows: the site has read and accepts the update file's terms of use (001 Windows step 4). */
    acceptTermsOfUse: flag().optional(),
    /** Windows, a hop into 1.2.0.0: the Python packages the site added to OMFLOW's Python ([] when none). */
    additionalPythonPackages: z.array(z.string().min(1), expecting("a list of pip requirements, or [] when none were added")).optional(),
    /** Windows, a hop into 1.2.0.0 with additional packages: the local Python 3.11 (32 bit) Windows installer. */
    python311Installer: localPath().optional(),
  },
  "an object of OMFLOW options (patches, offlineBundle, installDir, ...)",
);

export type { OmflowOptions };
/** What the schema accepts, for the compile-time test that holds it equal to OmflowOptions (optionTypes.ts). */
export type OmflowSchemaOutput = z.infer<typeof omflowOptionsSchema>;

const VERSION_KEY = /^\d+\.\d+\.\d+\.\d+$/;

/** Rules across fields, on every field that is valid by itself. */
function rules(platform: Platform) {
  return (o: Partial<OmflowOptions>): OptionProblem[] => {
    const problems: OptionProblem[] = [];
    for (const v of Object.keys(o.patches ?? {})) {
      if (!VERSION_KEY.test(v))
        problems.push({
          path: fieldPath(["options", "patches", v]),
          message: `"${v}" is not an OMFLOW version (four numbers, like 1.2.0.1): name each patch by the version it installs`,
        });
    }
    if (platform === "linux" && o.backupDir) {
      const backedUp = (["installDir", "apacheSiteConf"] as const).filter((k) => o[k]).map((k) => ({ field: `options.${k}`, value: o[k]! }));
      problems.push(...backupOverlaps({ field: "options.backupDir", value: o.backupDir }, backedUp, "linux", d.backupDir));
    }
    if (platform === "windows" && o.windowsInstallDir && path.win32.basename(o.windowsInstallDir).toLowerCase() === WINDOWS_BACKUPS.toLowerCase()) {
      problems.push({
        path: "options.windowsInstallDir",
        message: `the restore points are kept in ${WINDOWS_BACKUPS} beside the install folder, so the install folder may not itself be named ${WINDOWS_BACKUPS}; for example ${d.windowsInstallDir}`,
      });
    }
    return problems;
  };
}

/** Every problem with the options on `platform` (types, unknown keys, paths, overlaps) at once, and the fields that are valid. */
export function checkOmflowOptions(raw: unknown, platform: Platform): Checked<OmflowOptions> {
  return checkOptions<OmflowOptions>(omflowOptionsSchema, raw, rules(platform));
}

/** The options, or UpchainError("INVALID_INPUT") listing every problem with its `options.` path. */
export function omflowOptions(raw: unknown, platform: Platform): OmflowOptions {
  return parseOptions<OmflowOptions>(omflowOptionsSchema, raw, rules(platform));
}
