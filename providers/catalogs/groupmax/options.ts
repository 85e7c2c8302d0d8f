// Groupmax's options in the stack, validated with zod. Paths and service names default to the
// document's layout per platform, and every path is checked as a path of the platform in force; the
// installers are the site's own commands and have no default. Every key is checked (a misspelled
// one is refused, not ignored).
import { z } from "zod";
import { Platform } from "../../engine/catalog";
import { localPath } from "../../options/localFiles";
import { PathField, backupOverlaps } from "../../options/overlap";
import { Checked, checkOptions, parseOptions } from "../../options/parse";
import { absolutePath, absolutePaths } from "../../options/paths";
import { OptionProblem, fieldPath } from "../../options/problems";
import { windowsServiceName } from "../../options/names";
import { command as siteCommand, expecting, flag, strictOptions } from "../../options/schema";

const command = siteCommand("a command");

const WINDOWS_SERVICES = { objectServer: "Groupmax Object Server", address: "Groupmax Address Server", server: "Groupmax Mail Server", console: "Groupmax Operator Console" };

/** The documented layout on each platform (the derived paths follow installDir). */
export const GROUPMAX_DEFAULTS: Record<Platform, { installDir: string; databasePath: string; backupDir: string; servicesFile: string; rebootCommand: string }> = {
  linux: { installDir: "/opt/groupmax", databasePath: "/var/opt/groupmax/db", backupDir: "/var/backups/upchain/groupmax", servicesFile: "/etc/services", rebootCommand: "/sbin/reboot" },
  windows: {
    installDir: "C:\\Groupmax",
    databasePath: "C:\\Groupmax\\db",
    backupDir: "C:\\upchain\\backups\\groupmax",
    // resolved on the host from %SystemRoot% (see windows.ts)
    servicesFile: "%SystemRoot%\\System32\\drivers\\etc\\services",
    rebootCommand: "Restart-Computer -Force",
  },
};

function schemaFor(platform: Platform) {
  const d = GROUPMAX_DEFAULTS[platform];
  const at = (example: string) => absolutePath(platform, example);
  return strictOptions(
    {
      /** The site's install commands (POSIX sh on Linux, PowerShell on Windows), run as root / an administrator. */
      installers: strictOptions(
        { objectServer: command.optional(), addressServer: command.optional(), mailServer: command.optional() },
        "an object with objectServer, addressServer and mailServer commands",
      ).default({}),
      /** Local files or folders copied to the host before anything is stopped (the installers' packages). */
      uploads: z
        .array(
          strictOptions({ source: localPath(), destination: at(platform === "windows" ? "C:\\pkg\\groupmax6.zip" : "/var/tmp/groupmax6") }, "an object with source and destination"),
          expecting("a list of { source, destination }"),
        )
        .default([]),
      // the restore removes the install folder and the databases (mirrors over them on Windows) before it puts them back
      installDir: absolutePath(platform, d.installDir, { removedByRestore: true }).optional(),
      /** Every database file or folder the Groupmax products use; backed up and restored with the install folder. */
      databasePaths: absolutePaths(platform, d.databasePath, { removedByRestore: true }).optional(),
      /** Folder of the master management server's journal files, cleared after the upgrade. */
      journalDir: at(d.installDir + (platform === "windows" ? "\\journal" : "/journal")).optional(),
      journalPattern: z.string(expecting("a file-name pattern")).regex(/^[A-Za-z0-9_.*?-]+$/, "a file-name pattern: letters, digits, '_', '.', '-', '*' and '?'").default("*.jnl"),
      backupDir: at(d.backupDir).optional(),
      servicesFile: absolutePath(platform, d.servicesFile, { variable: platform === "windows" }).optional(),
      /** Linux: the product's control command (start|stop|status <service>, autostart show|on|off). */
      control: at(d.installDir + (platform === "windows" ? "\\bin\\gmaxctl.exe" : "/bin/gmaxctl")).optional(),
      /** advup2_6, run for Version 2.0 sources; addressMailSetup confirms the Address_Mail setup unattended. */
      advup: at(d.installDir + (platform === "windows" ? "\\bin\\advup2_6.exe" : "/bin/advup2_6")).optional(),
      addressMailSetup: command.optional(),
      /** Start the operator console (運転席) when this server has one. */
      operatorConsole: flag().default(false),
      /** Back up the Version 6 environment at the end (the document recommends it). */
      backupAfterUpgrade: flag().default(true),
      rebootCommand: command.optional(),
      rebootTimeoutSeconds: z
        .number(expecting("a number of seconds"))
        .int("must be a whole number of seconds")
        .min(10, "must be at least 10 seconds")
        .max(7200, "must be at most 7200 seconds")
        .default(900),
      /** Windows service names. */
      windowsServices: strictOptions(
        {
          objectServer: windowsServiceName(WINDOWS_SERVICES.objectServer).default(WINDOWS_SERVICES.objectServer),
          address: windowsServiceName(WINDOWS_SERVICES.address).default(WINDOWS_SERVICES.address),
          server: windowsServiceName(WINDOWS_SERVICES.server).default(WINDOWS_SERVICES.server),
          console: windowsServiceName(WINDOWS_SERVICES.console).default(WINDOWS_SERVICES.console),
        },
        "an object of Windows service names (objectServer, address, server, console)",
      ).default(WINDOWS_SERVICES),
    },
    "an object of Groupmax options (installers, uploads, installDir, ...)",
  );
}

const schemas: Record<Platform, ReturnType<typeof schemaFor>> = { linux: schemaFor("linux"), windows: schemaFor("windows") };
export const groupmaxOptionsSchema = (platform: Platform) => schemas[platform];

export type GroupmaxOptions = z.infer<ReturnType<typeof schemaFor>>;

/** Options with every platform default filled in. */
export type GroupmaxSettings = Required<Omit<GroupmaxOptions, "installers" | "addressMailSetup">> & Pick<GroupmaxOptions, "installers" | "addressMailSetup">;

/** The defaults filled in, for the fields given; a field that failed stays out, and so do the paths derived from it. */
function withDefaults(o: Partial<GroupmaxOptions>, platform: Platform, failed: (k: keyof GroupmaxOptions) => boolean): Partial<GroupmaxSettings> {
  const d = GROUPMAX_DEFAULTS[platform];
  const win = platform === "windows";
  const join = (...p: string[]) => p.join(win ? "\\" : "/");
  const pick = <K extends keyof GroupmaxOptions>(k: K, fallback: () => GroupmaxSettings[K] | undefined) => (failed(k) ? undefined : (o[k] ?? fallback()));
  const installDir = pick("installDir", () => d.installDir);
  const under = (...p: string[]) => (installDir === undefined ? undefined : join(installDir, ...p));
  return {
    ...o,
    installDir,
    databasePaths: pick("databasePaths", () => [d.databasePath]),
    journalDir: pick("journalDir", () => under("journal")),
    backupDir: pick("backupDir", () => d.backupDir),
    servicesFile: pick("servicesFile", () => d.servicesFile),
    control: pick("control", () => under("bin", "gmaxctl")),
    advup: pick("advup", () => under("bin", win ? "advup2_6.exe" : "advup2_6")),
    rebootCommand: pick("rebootCommand", () => d.rebootCommand),
  };
}

/** The backup directory may not overlap what the backup holds or what the hop removes (see options/overlap.ts). */
function rules(platform: Platform) {
  return (o: Partial<GroupmaxOptions>, failed: ReadonlySet<string>): OptionProblem[] => {
    const s = withDefaults(o, platform, (k) => failed.has(k));
    if (!s.backupDir) return [];
    const backedUp: PathField[] = [
      ...(s.installDir ? [{ field: "options.installDir", value: s.installDir }] : []),
      ...(s.databasePaths ?? []).map((value, i) => ({ field: fieldPath(["options", "databasePaths", i]), value })),
      ...(s.servicesFile ? [{ field: "options.servicesFile", value: s.servicesFile }] : []),
      // the journal files are deleted by pattern after the upgrade
      ...(s.journalDir ? [{ field: "options.journalDir", value: s.journalDir }] : []),
    ];
    return backupOverlaps({ field: "options.backupDir", value: s.backupDir }, backedUp, platform, GROUPMAX_DEFAULTS[platform].backupDir);
  };
}

/** Every problem with the options on `platform` (types, unknown keys, paths, overlaps) at once, and the fields that are valid. */
export function checkGroupmaxOptions(raw: unknown, platform: Platform): Checked<GroupmaxOptions> {
  return checkOptions<GroupmaxOptions>(groupmaxOptionsSchema(platform), raw, rules(platform));
}

/** The settings, or UpchainError("INVALID_INPUT") listing every problem with its `options.` path. */
export function groupmaxSettings(raw: unknown, platform: Platform): GroupmaxSettings {
  const o = parseOptions<GroupmaxOptions>(groupmaxOptionsSchema(platform), raw, rules(platform));
  return withDefaults(o, platform, () => false) as GroupmaxSettings;
}
