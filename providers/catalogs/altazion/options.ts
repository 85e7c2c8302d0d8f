// Altazion Office options in the stack, validated with zod per platform: the modules a server hosts
// (each with its target, folder and IIS pools), where the update service keeps its files, how its
// portal is asked (an assumption: see portal.ts), the document's remedies, the notice to users, and the
// customised database's reviewed scripts. Every problem is reported at once, under its field.
import { z } from "zod";
import { Platform } from "../../engine/catalog";
import { backupOverlaps } from "../../options/overlap";
import { Checked, checkOptions, parseOptions } from "../../options/parse";
import { absolutePath, isSameOrInside, shown } from "../../options/paths";
import { OptionProblem } from "../../options/problems";
import { command as siteCommand, expecting, flag, strictOptions } from "../../options/schema";
import { CONTROL } from "../../options/paths";
import { DEFAULT_PORTAL } from "./portal";
import { MODULES, isWebModule, moduleVersion } from "./rules";

const command = siteCommand("a command");

export const ALTAZION_DEFAULTS: Record<Platform, { dataFolder: string; backupDir: string; moduleFolder: string }> = {
  // the Linux layout is the test fixture's stand-in for the Windows one (tests/fixtures/altazion)
  linux: { dataFolder: "/opt/cpoint/[e]", backupDir: "/var/backups/upchain/altazion", moduleFolder: "/srv/altazion/ecommerce" },
  windows: { dataFolder: "C:\\ProgramData\\CPoint\\[e]", backupDir: "C:\\upchain\\backups\\altazion", moduleFolder: "C:\\inetpub\\altazion\\ecommerce" },
};

/** The service as the Services tool shows it; « il pourrait être remplacé par un service Altazion - service principal ». */
export const DEFAULT_SERVICE = "[e] - service principal";

const moduleName = z.enum(MODULES, { error: () => `is not an Altazion module: one of ${MODULES.join(", ")}` });
const version = z.string(expecting('a version like 5.2.0.0, or "latest"')).refine((v) => v === "latest" || moduleVersion.normalize(v) !== undefined, {
  message: `is not a version: ${moduleVersion.describe}, or "latest" (the newest the update service has detected)`,
});
/** An IIS application pool's name (exact, no wildcard: Stop-WebAppPool -Name matches it as given). */
const poolName = z.string(expecting("an IIS application pool name")).regex(/^[A-Za-z0-9 ._()-]{1,64}$/, "is not an IIS application pool name: 1 to 64 letters, digits, spaces and . _ ( ) -");
const sha256 = z.string(expecting("a sha256 in hex")).regex(/^[0-9a-f]{64}$/, "is not a sha256: 64 lowercase hexadecimal digits, as upchain listed it");
const scriptName = z.string(expecting("a script file name")).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, "is not a script's file name as upchain listed it (letters, digits, space . _ -; no folder)");
const seconds = (what: string, max: number) => z.number(expecting(what)).int("a whole number of seconds").min(0, "0 or more seconds").max(max, `at most ${max} seconds`);
/** The service's display name, matched exactly (brackets included: never as a wildcard). */
const serviceName = z
  .string(expecting(`the service's name as the Services tool shows it, like "${DEFAULT_SERVICE}"`))
  .min(1, "is empty")
  .max(256, "is longer than 256 characters")
  .refine((s) => !CONTROL.test(s) && s.trim() === s, "holds a control character or a space at one end: give the name exactly as the Services tool shows it");

function schemaFor(platform: Platform) {
  const d = ALTAZION_DEFAULTS[platform];
  const module = strictOptions(
    {
      name: moduleName,
      /** The version this module must run, or "latest": whatever the update service has detected. */
      target: version,
      /** Where the module is installed (its node in applicationspath.config must say the same). */
      folder: absolutePath(platform, d.moduleFolder, { removedByRestore: true }),
      /** A web module's IIS application pool(s), stopped only by the install-loop remedy; the module's name when absent. */
      pools: z.array(poolName, expecting("a list of pool names")).min(1, "is empty: give at least one pool, or leave it out").optional(),
    },
    "a module: { name, target, folder, pools }",
  );
  return strictOptions(
    {
      /** The modules this server hosts, in the order they are updated. */
      modules: z.array(module, expecting("a list of modules")).min(1, "is empty: give the modules this server hosts"),
      /** The update service's data folder (status.xml, applicationspath.config, the hooks' folder). */
      dataFolder: absolutePath(platform, d.dataFolder).default(d.dataFolder),
      serviceName: serviceName.default(DEFAULT_SERVICE),
      /** How the portal is asked (the real portal's requests are not documented: see portal.ts). */
      portal: strictOptions(
        {
          port: z.number(expecting("a port number")).int().min(1, "a port from 1 to 65535").max(65535, "a port from 1 to 65535").default(DEFAULT_PORTAL.port),
          listPath: z.string(expecting("a path like /")).regex(/^\/[\x21-\x7e]*$/, "a path on the portal, starting with /").default(DEFAULT_PORTAL.listPath),
          installMethod: z.enum(["POST", "GET"], { error: () => "POST or GET" }).default(DEFAULT_PORTAL.installMethod),
          installPath: z.string(expecting("a path like /install")).regex(/^\/[\x21-\x7e]*$/, "a path on the portal, starting with /").default(DEFAULT_PORTAL.installPath),
          /** The install request's body; {module} is replaced by the module's name. */
          installBody: z.string(expecting("a request body like module={module}")).max(1000).default(DEFAULT_PORTAL.installBody),
          contentType: z.string(expecting("a content type")).regex(/^[\x20-\x7e]{1,100}$/, "printable text").default(DEFAULT_PORTAL.contentType),
          /** Text that shows a module is still listed for update; {module} is replaced by its name. */
          listedMarker: z.string(expecting('text like data-module="{module}"')).min(1).max(200).refine((s) => s.includes("{module}"), "must contain {module}").default(DEFAULT_PORTAL.listedMarker),
        },
        "an object describing the portal's requests",
      ).default(DEFAULT_PORTAL),
      /** « Relancer une seconde fois la mise à jour après avoir patienté deux à trois minutes ». */
      retryWaitSeconds: seconds("seconds to wait before installing again", 3600).default(150),
      /**
       * Apply the document's remedies instead of refusing: the service's start mode set to Automatic
       * (Delayed Start), the service started (or stopped and started), and a bounded wait for the portal
       * and for the version to be detected.
       */
      remedy: flag().default(false),
      /** How long the remedy waits for the service to detect a version (« patientez environ 20 minutes »). */
      detectionWaitSeconds: seconds("seconds to wait for the detection", 6 * 3600).default(1200),
      /** A command that tells the users (a mail, a chat message), run on the server before the first module and after the last; it reads UPCHAIN_NOTICE, UPCHAIN_PHASE (start or end) and UPCHAIN_MODULES. */
      notify: command.optional(),
      /** A customised database, whose update the service cannot install (« Cas particulier de l'application Base de données »). */
      database: strictOptions(
        {
          /** Applies one script: the script's path is added as its last argument. */
          sqlCommand: command,
          /** Backs the database up before the first script (the restore point). */
          backupCommand: command,
          /** Restores that backup when a script fails; without it, a failed script leaves the server for an operator. */
          restoreCommand: command.optional(),
          /** The update's scripts as reviewed, in order: name and sha256, as preview lists them. */
          reviewedScripts: z.array(strictOptions({ name: scriptName, sha256 }, "a script: { name, sha256 }")).optional(),
        },
        "an object with sqlCommand, backupCommand, restoreCommand and reviewedScripts",
      ).optional(),
      backupDir: absolutePath(platform, d.backupDir).default(d.backupDir),
    },
    "an object of Altazion Office options (modules, dataFolder, serviceName, ...)",
  );
}

const schemas: Record<Platform, ReturnType<typeof schemaFor>> = { linux: schemaFor("linux"), windows: schemaFor("windows") };
export type AltazionOptions = z.infer<ReturnType<typeof schemaFor>>;
export type ModuleOptions = AltazionOptions["modules"][number];

/** A web module's pools: as given, or one named after the module. */
export const poolsOf = (m: ModuleOptions): string[] => (isWebModule(m.name) ? (m.pools ?? [m.name]) : []);

function rules(platform: Platform) {
  return (o: Partial<AltazionOptions>, failed: ReadonlySet<string>): OptionProblem[] => {
    const problems: OptionProblem[] = [];
    const modules = o.modules ?? [];
    modules.forEach((m, i) => {
      if (modules.findIndex((x) => x.name === m.name) !== i) problems.push({ path: `options.modules[${i}].name`, message: `${m.name} is listed twice: a server hosts each module once` });
      if (m.pools && !isWebModule(m.name)) problems.push({ path: `options.modules[${i}].pools`, message: `${m.name} is not a web module: only ecommerce, gestioncommerciale and phygitalapi run in IIS pools` });
      modules.forEach((x, j) => {
        if (j > i && (isSameOrInside(x.folder, m.folder, platform) || isSameOrInside(m.folder, x.folder, platform))) {
          problems.push({ path: `options.modules[${j}].folder`, message: `${shown(x.folder)} overlaps the folder of ${m.name} (${shown(m.folder)}): each module has its own folder` });
        }
      });
    });
    if (o.database && !failed.has("modules") && !modules.some((m) => m.name === "database")) problems.push({ path: "options.database", message: "is for the database module, which this server's modules do not list" });
    if (o.backupDir) {
      problems.push(...backupOverlaps({ field: "options.backupDir", value: o.backupDir }, modules.map((m, i) => ({ field: `options.modules[${i}].folder`, value: m.folder })), platform, ALTAZION_DEFAULTS[platform].backupDir));
    }
    return problems;
  };
}

export function checkAltazionOptions(raw: unknown, platform: Platform): Checked<AltazionOptions> {
  return checkOptions<AltazionOptions>(schemas[platform], raw, rules(platform));
}

export function altazionOptions(raw: unknown, platform: Platform): AltazionOptions {
  return parseOptions<AltazionOptions>(schemas[platform], raw, rules(platform));
}
