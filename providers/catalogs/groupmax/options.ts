// Groupmax's options in the stack, validated with zod. Document 002 names no path and describes no
// Linux procedure, so every product fact is the site's: the installation folders, the database
// files, the journal folder, the installers, advup2_6's place, the Address_Mail setup's unattended
// form, and on Linux every service operation. None has a default; each missing one is a problem at
// preview (all at once, by its field). Only upchain's own places (backupDir) and the operating
// system's (the services file, the reboot command) have defaults. Every key is checked (a misspelled
// one is refused, not ignored).
import { z } from "zod";
import type { GroupmaxOptions } from "./optionTypes";
import { Platform } from "../../engine/planning/catalog";
import { sitePlaceholder } from "../../engine/planning/provenance";
import { localPath } from "../../options/localFiles";
import { PathField, backupOverlaps } from "../../options/overlap";
import { Checked, checkOptions, parseOptions } from "../../options/parse";
import { absolutePath, absolutePaths } from "../../options/paths";
import { OptionProblem, fieldPath } from "../../options/problems";
import { windowsServiceName } from "../../options/names";
import { command as siteCommand, expecting, flag, strictOptions } from "../../options/schema";

const command = siteCommand("a command");

/** Examples in messages only: 002 names no Windows service, so the site gives each name. */
const WINDOWS_SERVICE_EXAMPLES = {
  objectServer: "Groupmax Object Server",
  address: "Groupmax Address Server",
  server: "Groupmax Mail Server",
  console: "Groupmax Operator Console",
};

/** The operating system's places and upchain's own (no product fact among them). */
const GROUPMAX_DEFAULTS: Record<Platform, { backupDir: string; servicesFile: string; rebootCommand: string }> = {
  linux: { backupDir: "/var/backups/upchain/groupmax", servicesFile: "/etc/services", rebootCommand: "/sbin/reboot" },
  windows: {
    backupDir: "C:\\upchain\\backups\\groupmax",
    // resolved on the host from %SystemRoot% (see windows.ts)
    servicesFile: "%SystemRoot%\\System32\\drivers\\etc\\services",
    rebootCommand: "Restart-Computer -Force",
  },
};

/** Linux: the site's commands for one service (002 gives none: it describes Windows only). */
const serviceCommands = (what: string) =>
  strictOptions(
    { start: command.optional(), stop: command.optional(), status: command.optional() },
    `an object with the site's start, stop and status commands for ${what}`,
  );

function schemaFor(platform: Platform) {
  const d = GROUPMAX_DEFAULTS[platform];
  const at = (example: string) => absolutePath(platform, example);
  const ex = (linux: string, windows: string) => (platform === "windows" ? windows : linux);
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
          strictOptions({ source: localPath(), destination: at(ex("/var/tmp/groupmax6", "C:\\pkg\\groupmax6.zip")) }, "an object with source and destination"),
          expecting("a list of { source, destination }"),
        )
        .default([]),
      // 002: 「インストール先ディレクトリ下のすべてのディレクトリおよびファイル」 of Address Server and Mail Server;
      // the restore removes them (mirrors over them on Windows) before it puts them back
      installDirs: absolutePaths(platform, ex("/opt/groupmax", "C:\\Groupmax"), { removedByRestore: true }).optional(),
      // 002: 「Groupmax製品が使用するすべてのデータベースファイル」
      databasePaths: absolutePaths(platform, ex("/var/opt/groupmax/db", "D:\\GroupmaxDB"), { removedByRestore: true }).optional(),
      /** The folder of the master management server's journals, or false: the old version kept none (002: 「取得していた場合は」). */
      // in the restore point, so the restore replaces it whole (a system folder is refused)
      journalDir: z
        .union(
          [absolutePath(platform, ex("/var/opt/groupmax/journal", "C:\\Groupmax\\journal"), { removedByRestore: true }), z.literal(false)],
          expecting("an absolute path, or false"),
        )
        .optional(),
      journalPattern: z
        .string(expecting("a file-name pattern"))
        .regex(/^[A-Za-z0-9_.*?-]+$/, "a file-name pattern: letters, digits, '_', '.', '-', '*' and '?'")
        .default("*"),
      backupDir: at(d.backupDir).optional(),
      servicesFile: absolutePath(platform, d.servicesFile, { variable: platform === "windows" }).optional(),
      /** Linux: every service operation is the site's command (002 describes no Linux procedure). */
      commands: strictOptions(
        {
          objectServer: serviceCommands("Object Server").optional(),
          address: serviceCommands("the address service").optional(),
          server: serviceCommands("the server (mail application)").optional(),
          console: serviceCommands("the operator console (運転席)").optional(),
          autostart: strictOptions(
            { isOn: command.optional(), off: command.optional(), on: command.optional() },
            "an object with the site's isOn (exits 0 when Address Server starts automatically), off and on commands",
          ).optional(),
        },
        "an object of the site's commands (objectServer, address, server, console, autostart)",
      ).default({}),
      /** Where advup2_6 is (002 names the command, not its folder); run for Version 2.0 sources. */
      advup: at(ex("/opt/groupmax/bin/advup2_6", "C:\\Groupmax\\bin\\advup2_6.exe")).optional(),
      /** The site's unattended form of the Address_Mail setup screen's OK (Version 2.0 sources). */
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
      /** Windows: the services' names as Get-Service shows them; 002 names none, so no default. */
      windowsServices: strictOptions(
        {
          objectServer: windowsServiceName(WINDOWS_SERVICE_EXAMPLES.objectServer).optional(),
          address: windowsServiceName(WINDOWS_SERVICE_EXAMPLES.address).optional(),
          server: windowsServiceName(WINDOWS_SERVICE_EXAMPLES.server).optional(),
          console: windowsServiceName(WINDOWS_SERVICE_EXAMPLES.console).optional(),
        },
        "an object of Windows service names (objectServer, address, server, console)",
      ).optional(),
    },
    "an object of Groupmax options (installers, uploads, installDirs, databasePaths, journalDir, ...)",
  );
}

const schemas: Record<Platform, ReturnType<typeof schemaFor>> = { linux: schemaFor("linux"), windows: schemaFor("windows") };
const groupmaxOptionsSchema = (platform: Platform) => schemas[platform];

export type { GroupmaxOptions };
/** What the schema accepts, for the compile-time test that holds it equal to GroupmaxOptions (optionTypes.ts). */
export type GroupmaxSchemaOutput = z.infer<ReturnType<typeof schemaFor>>;

/** The site's service operations on Linux, each a command or its `<site: options.commands...>` placeholder. */
export interface LinuxServiceCommands {
  objectServer: { start: string; stop: string; status: string };
  address: { start: string; stop: string; status: string };
  server: { start: string; stop: string; status: string };
  console: { start: string; stop: string; status: string };
  autostart: { isOn: string; off: string; on: string };
}

/**
 * Options with the defaults filled in. A site value the stack does not give (yet) is its labelled
 * placeholder (`<site: options.installDirs>`), so `upchain plan` without options still shows every
 * step; preview refuses it first (requiredProblems).
 */
export type GroupmaxSettings = Required<Omit<GroupmaxOptions, "installers" | "addressMailSetup" | "commands" | "journalDir" | "windowsServices">> &
  Pick<GroupmaxOptions, "installers" | "addressMailSetup"> & {
    journalDir: string | false;
    commands: LinuxServiceCommands;
    windowsServices: Record<(typeof SERVICES)[number], string>;
  };

const SERVICES = ["objectServer", "address", "server", "console"] as const;

function linuxCommandsOf(c: GroupmaxOptions["commands"] | undefined): LinuxServiceCommands {
  const or = (v: string | undefined, field: string) => v ?? sitePlaceholder(`options.commands.${field}`);
  const svc = (k: (typeof SERVICES)[number]) => ({
    start: or(c?.[k]?.start, `${k}.start`),
    stop: or(c?.[k]?.stop, `${k}.stop`),
    status: or(c?.[k]?.status, `${k}.status`),
  });
  return {
    objectServer: svc("objectServer"),
    address: svc("address"),
    server: svc("server"),
    console: svc("console"),
    autostart: { isOn: or(c?.autostart?.isOn, "autostart.isOn"), off: or(c?.autostart?.off, "autostart.off"), on: or(c?.autostart?.on, "autostart.on") },
  };
}

/** The defaults filled in, for the fields given; a field that failed stays out. */
function withDefaults(o: Partial<GroupmaxOptions>, platform: Platform, failed: (k: keyof GroupmaxOptions) => boolean): Partial<GroupmaxSettings> {
  const d = GROUPMAX_DEFAULTS[platform];
  const pick = <K extends keyof GroupmaxOptions>(k: K, fallback: () => GroupmaxOptions[K]) => (failed(k) ? undefined : (o[k] ?? fallback()));
  return {
    ...o,
    installDirs: pick("installDirs", () => [sitePlaceholder("options.installDirs")]),
    databasePaths: pick("databasePaths", () => [sitePlaceholder("options.databasePaths")]),
    journalDir: pick("journalDir", () => sitePlaceholder("options.journalDir")),
    backupDir: pick("backupDir", () => d.backupDir),
    servicesFile: pick("servicesFile", () => d.servicesFile),
    advup: pick("advup", () => sitePlaceholder("options.advup")),
    rebootCommand: pick("rebootCommand", () => d.rebootCommand),
    commands: linuxCommandsOf(o.commands),
    windowsServices: Object.fromEntries(
      SERVICES.map((k) => [k, o.windowsServices?.[k] ?? sitePlaceholder(`options.windowsServices.${k}`)]),
    ) as GroupmaxSettings["windowsServices"],
  };
}

/** The site facts every hop needs (preflight asks them when there is a hop), missing from the stack: each named by its field, with what to give. */
export function requiredProblems(o: Partial<GroupmaxOptions>, platform: Platform, failed: ReadonlySet<string>): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const need = (field: string, message: string) => problems.push({ path: field, message });
  if (!failed.has("installDirs") && !o.installDirs)
    need(
      "options.installDirs",
      "002 has Address Server and Mail Server backed up whole (「インストール先ディレクトリ下のすべて」) but names no folder: give your server's installation folders as a list",
    );
  if (!failed.has("databasePaths") && !o.databasePaths)
    need(
      "options.databasePaths",
      "002 has every database file the Groupmax products use backed up (「Groupmax製品が使用するすべてのデータベースファイル」) but names none: give their files or folders as a list",
    );
  if (!failed.has("journalDir") && o.journalDir === undefined)
    need(
      "options.journalDir",
      "002 has the old version's master management server journal files deleted but does not say where they are: give their folder, or false when the old version kept none",
    );
  if (platform === "windows" && !failed.has("windowsServices")) {
    for (const k of ["objectServer", "address", "server", ...(o.operatorConsole ? (["console"] as const) : [])] as const) {
      if (!o.windowsServices?.[k])
        need(
          `options.windowsServices.${k}`,
          `002 names no Windows service: give the name Get-Service shows for ${k}, for example "${WINDOWS_SERVICE_EXAMPLES[k]}"`,
        );
    }
  }
  if (platform === "linux" && !failed.has("commands")) {
    const c = o.commands ?? {};
    const ops = ["start", "stop", "status"] as const;
    for (const k of ["objectServer", "address", "server", ...(o.operatorConsole ? (["console"] as const) : [])] as const) {
      for (const op of ops) {
        if (!c[k]?.[op])
          need(
            `options.commands.${k}.${op}`,
            `002 describes no Linux procedure (Object Server refers to its Windows guide): give your site's command that does ${op} for ${k}`,
          );
      }
    }
    for (const op of ["isOn", "off", "on"] as const) {
      if (!c.autostart?.[op])
        need(
          `options.commands.autostart.${op}`,
          `002 switches Address Server's automatic start off before the restart and back after; on Linux give your site's command (${op === "isOn" ? "exits 0 when it is on" : `switches it ${op}`})`,
        );
    }
  }
  return problems;
}

/** The backup directory may not overlap what the backup holds or what the hop removes (see options/overlap.ts). */
function rules(platform: Platform) {
  return (o: Partial<GroupmaxOptions>, failed: ReadonlySet<string>): OptionProblem[] => {
    const s = withDefaults(o, platform, (k) => failed.has(k));
    if (!s.backupDir) return [];
    const backedUp: PathField[] = [
      ...(o.installDirs ?? []).map((value, i) => ({ field: fieldPath(["options", "installDirs", i]), value })),
      ...(o.databasePaths ?? []).map((value, i) => ({ field: fieldPath(["options", "databasePaths", i]), value })),
      ...(s.servicesFile ? [{ field: "options.servicesFile", value: s.servicesFile }] : []),
      // the journal files are deleted by pattern after the upgrade
      ...(o.journalDir ? [{ field: "options.journalDir", value: o.journalDir }] : []),
    ];
    return backupOverlaps({ field: "options.backupDir", value: s.backupDir }, backedUp, platform, GROUPMAX_DEFAULTS[platform].backupDir);
  };
}

/**
 * Every problem with the options on `platform` (types, unknown keys, paths, overlaps) at once, and the
 * fields that are valid. The site facts a hop needs are preflight's (requiredProblems): a server
 * already at Version 6 needs none of them.
 */
export function checkGroupmaxOptions(raw: unknown, platform: Platform): Checked<GroupmaxOptions> {
  return checkOptions<GroupmaxOptions>(groupmaxOptionsSchema(platform), raw, rules(platform));
}

/**
 * The settings for rendering steps, or UpchainError("INVALID_INPUT") listing every problem with its
 * `options.` path. Missing site facts are placeholders here (checkGroupmaxOptions refuses them).
 */
export function groupmaxSettings(raw: unknown, platform: Platform): GroupmaxSettings {
  const o = parseOptions<GroupmaxOptions>(groupmaxOptionsSchema(platform), raw, rules(platform));
  return withDefaults(o, platform, () => false) as GroupmaxSettings;
}
