// Altazion Office options in the stack, validated with zod per platform: the modules a server hosts
// (each with its target, folder and IIS pools), where the update service keeps its files, how its
// portal is asked (an assumption: see portal.ts), the document's remedies, the notice to users, and the
// customised database's reviewed scripts. Every problem is reported at once, under its field.
import { z } from "zod";
import type { AltazionOptions } from "./optionTypes";
import { Platform } from "../../engine/planning/catalog";
import { backupOverlaps } from "../../options/overlap";
import { Checked, checkOptions, parseOptions } from "../../options/parse";
import { absolutePath, isSameOrInside, pathProblem, shown } from "../../options/paths";
import { OptionProblem } from "../../options/problems";
import { command as siteCommand, expecting, flag, strictOptions } from "../../options/schema";
import { CONTROL } from "../../options/paths";
import { sitePlaceholder } from "../../engine/planning/provenance";
import { PORTAL_DEFAULTS } from "./portal";
import { MODULES, isWebModule, moduleVersion } from "./rules";

const command = siteCommand("a command");

/** Why a pattern (with {module} given a module's name) is not a JavaScript regular expression, or undefined. */
function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern.split("{module}").join("ecommerce"));
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, "").slice(0, 200);
  }
}

const ALTAZION_DEFAULTS: Record<Platform, { dataFolder: string; backupDir: string; moduleFolder: string }> = {
  // the Linux layout is the test fixture's stand-in for the Windows one (tests/fixtures/altazion)
  linux: { dataFolder: "/opt/cpoint/[e]", backupDir: "/var/backups/upchain/altazion", moduleFolder: "/srv/altazion/ecommerce" },
  windows: { dataFolder: "C:\\ProgramData\\CPoint\\[e]", backupDir: "C:\\upchain\\backups\\altazion", moduleFolder: "C:\\inetpub\\altazion\\ecommerce" },
};

/** The service as the Services tool shows it; « il pourrait être remplacé par un service Altazion - service principal ». */
const DEFAULT_SERVICE = "[e] - service principal";

const moduleName = z.enum(MODULES, { error: () => `is not an Altazion module: one of ${MODULES.join(", ")}` });
const version = z.string(expecting('a version like 5.2.0.0, or "latest"')).refine((v) => v === "latest" || moduleVersion.normalize(v) !== undefined, {
  message: `is not a version: ${moduleVersion.describe}, or "latest" (the newest the update service has detected)`,
});
/** An IIS application pool's name (exact, no wildcard: Stop-WebAppPool -Name matches it as given). */
const poolName = z
  .string(expecting("an IIS application pool name"))
  .regex(/^[A-Za-z0-9 ._()-]{1,64}$/, "is not an IIS application pool name: 1 to 64 letters, digits, spaces and . _ ( ) -");
const sha256 = z.string(expecting("a sha256 in hex")).regex(/^[0-9a-f]{64}$/, "is not a sha256: 64 lowercase hexadecimal digits, as upchain listed it");
const scriptName = z
  .string(expecting("a script file name"))
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, "is not a script's file name as upchain listed it (letters, digits, space . _ -; no folder)");
/** A path on the portal, as a browser sends it. */
const portalPath = (what: string) =>
  z.string(expecting(what)).regex(/^\/[\x21-\x7e]{0,200}$/, "a path on the portal: starts with /, printable, no space, at most 200 characters");
/** A regular expression over the portal's page with {module} in it (the module's name, escaped, goes there). */
const modulePattern = (when: string) =>
  z
    .string(expecting(`a regular expression with {module}, matching the portal's page ${when}`))
    .min(1, "is empty")
    .max(500, "at most 500 characters")
    .refine((s) => s.includes("{module}"), `must contain {module}: the page is matched ${when}, one module at a time`)
    .refine((s) => regexProblem(s) === undefined, { error: (iss) => `is not a regular expression (JavaScript syntax): ${regexProblem(String(iss.input))}` });
const formName = z
  .string(expecting("a form field's name"))
  .regex(/^[A-Za-z0-9_.:$\[\]-]{1,100}$/, "is not a form field's name: 1 to 100 letters, digits and _ . : $ [ ] -");
const formValue = z
  .string(expecting("a form field's value (text, may use {module})"))
  .max(1000, "at most 1000 characters")
  .refine((s) => !CONTROL.test(s), "holds a control character");
/** An absolute folder with {version} in it, where the database update's scripts are. */
const scriptsFolder = (platform: Platform) =>
  z
    .string(
      expecting(
        `the folder of the database update's scripts, with {version}, like ${platform === "windows" ? "D:\\altazion\\sql\\{version}" : "/srv/altazion-sql/{version}"}`,
      ),
    )
    .refine((s) => s.includes("{version}"), "must contain {version}: each database version has its own scripts")
    .refine((s) => pathProblem(s.split("{version}").join("5.2.0.0"), platform) === undefined, {
      error: (iss) => `${pathProblem(String(iss.input).split("{version}").join("5.2.0.0"), platform)}`,
    });
/**
 * An element or attribute name of the update service's files, as the server's file writes it: XML
 * name characters only (ASCII letters, digits, _ - . and : for a prefix), so that it is matched as
 * it is written and reaches no shell or XPath as anything but a name.
 */
const xmlName = (what: string) =>
  z
    .string(expecting(what))
    .regex(
      /^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/,
      "is not an XML name as the file writes it: a letter or _, then letters, digits, _ - . or :, at most 100 characters",
    );
const elementName = (file: string) => xmlName(`the name of ${file}'s element that stands for one module`);
const moduleAttribute = xmlName("the name of that element's attribute that holds the module's name");
const seconds = (what: string, max: number) =>
  z.number(expecting(what)).int("a whole number of seconds").min(0, "0 or more seconds").max(max, `at most ${max} seconds`);
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
      /** A web module's IIS application pool(s), stopped only by the install-loop remedy: the site's names (003 names none). */
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
      /**
       * How status.xml writes each module's latest detected version (003 says only that it holds
       * « la dernière version détectée par le module »): the site's, no default. An element per
       * module with the module's name and the version as two attributes.
       */
      statusFile: strictOptions(
        {
          element: elementName("status.xml"),
          moduleAttribute,
          versionAttribute: xmlName("the name of that element's attribute that holds the latest version the service detected"),
        },
        "status.xml's shape: { element, moduleAttribute, versionAttribute }, the names as the server's file writes them",
      ).optional(),
      /** How applicationspath.config declares each module's path (003: « contient des noeuds XML »): the site's, no default. */
      applicationsFile: strictOptions(
        {
          element: elementName("applicationspath.config"),
          moduleAttribute,
          pathAttribute: xmlName("the name of that element's attribute that holds the module's installation path"),
        },
        "applicationspath.config's shape: { element, moduleAttribute, pathAttribute }, the names as the server's file writes them",
      ).optional(),
      /**
       * The portal, in the shape of the site's description of it. 003 gives its address
       * (http://localhost:8080/, so port 8080 and the list at "/") and says only that it lists the
       * modules to update with an « Installer » button each; how the page shows a module still to
       * update, an install running, and what the button sends are the site's (no default).
       */
      portal: strictOptions(
        {
          port: z
            .number(expecting("a port number"))
            .int("a whole port number")
            .min(1, "a port from 1 to 65535")
            .max(65535, "a port from 1 to 65535")
            .default(PORTAL_DEFAULTS.port),
          listPath: portalPath("a path like /").default(PORTAL_DEFAULTS.listPath),
          listedPattern: modulePattern("while the module is still to update").optional(),
          installingPattern: modulePattern("while the module's install runs").optional(),
          install: strictOptions(
            {
              method: z.enum(["POST", "GET"], { error: () => "POST or GET, as the Installer button's form says" }),
              path: portalPath("the form's action, a path like /something"),
              fields: z.record(formName, formValue, expecting("the form's fields: { name: value }, a value may use {module}")),
              tokensFromPage: z.array(formName, expecting("a list of hidden input names")).max(20, "at most 20 names").optional(),
            },
            "the Installer button's form: { method, path, fields, tokensFromPage }",
          ).optional(),
        },
        "the portal's description: { port, listPath, listedPattern, installingPattern, install }",
      ).default(PORTAL_DEFAULTS),
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
          /** Applies one script (its path is added as the last argument) and exits non-zero when the script fails. */
          sqlCommand: siteCommand(
            "the command that applies one script (its path added last) and exits non-zero when the script fails (sqlcmd does only with -b)",
          ),
          /** Backs the database up before the first script (the restore point). */
          backupCommand: command,
          /** Restores that backup when a script fails; without it, a failed script leaves the server for an operator. */
          restoreCommand: command.optional(),
          /** Where the update's scripts are on the server ({version} is the database version): 003 does not say. */
          scriptsFolder: scriptsFolder(platform),
          /** The update's scripts as reviewed, in order: name and sha256, as preview lists them. */
          reviewedScripts: z.array(strictOptions({ name: scriptName, sha256 }, "a script: { name, sha256 }")).optional(),
        },
        "an object with sqlCommand, backupCommand, restoreCommand, scriptsFolder and reviewedScripts",
      ).optional(),
      backupDir: absolutePath(platform, d.backupDir).default(d.backupDir),
    },
    "an object of Altazion Office options (modules, dataFolder, serviceName, ...)",
  );
}

const schemas: Record<Platform, ReturnType<typeof schemaFor>> = { linux: schemaFor("linux"), windows: schemaFor("windows") };
export type { AltazionOptions };
/** What the schema accepts, for the compile-time test that holds it equal to AltazionOptions (optionTypes.ts). */
export type AltazionSchemaOutput = z.infer<ReturnType<typeof schemaFor>>;
export type ModuleOptions = AltazionOptions["modules"][number];

/** A web module's pools, as the site names them (shown as the site's placeholder until it does). */
export const poolsOf = (m: ModuleOptions, i: number): string[] => (isWebModule(m.name) ? (m.pools ?? [sitePlaceholder(`options.modules[${i}].pools`)]) : []);

/** The site's folder of a database version's scripts (options.database.scriptsFolder), either platform. */
export const scriptsFolderOf = (o: AltazionOptions, version: string) =>
  (o.database?.scriptsFolder ?? sitePlaceholder("options.database.scriptsFolder")).split("{version}").join(version);

function rules(platform: Platform) {
  return (o: Partial<AltazionOptions>, failed: ReadonlySet<string>): OptionProblem[] => {
    const problems: OptionProblem[] = [];
    const modules = o.modules ?? [];
    modules.forEach((m, i) => {
      if (modules.findIndex((x) => x.name === m.name) !== i)
        problems.push({ path: `options.modules[${i}].name`, message: `${m.name} is listed twice: a server hosts each module once` });
      if (m.pools && !isWebModule(m.name))
        problems.push({
          path: `options.modules[${i}].pools`,
          message: `${m.name} is not a web module: only ecommerce, gestioncommerciale and phygitalapi run in IIS pools`,
        });
      modules.forEach((x, j) => {
        if (j > i && (isSameOrInside(x.folder, m.folder, platform) || isSameOrInside(m.folder, x.folder, platform))) {
          problems.push({
            path: `options.modules[${j}].folder`,
            message: `${shown(x.folder)} overlaps the folder of ${m.name} (${shown(m.folder)}): each module has its own folder`,
          });
        }
      });
    });
    if (o.database && !failed.has("modules") && !modules.some((m) => m.name === "database"))
      problems.push({ path: "options.database", message: "is for the database module, which this server's modules do not list" });
    if (o.backupDir) {
      problems.push(
        ...backupOverlaps(
          { field: "options.backupDir", value: o.backupDir },
          modules.map((m, i) => ({ field: `options.modules[${i}].folder`, value: m.folder })),
          platform,
          ALTAZION_DEFAULTS[platform].backupDir,
        ),
      );
    }
    return problems;
  };
}

/** sqlcmd goes on after a failing statement and exits 0 unless it is given -b. */
const SQLCMD = /(^|[\s\\/&;|(])sqlcmd(\.exe)?(?=[\s"';)]|$)/i;
const SQLCMD_B = /(^|\s)[-/][bB](?=\s|$)/;

/**
 * What the document leaves to the site and upchain has no default for: refused at preview when
 * missing, each field named with what to give. (Planning alone, as `upchain plan` does, shows them as
 * placeholders instead.)
 */
function siteProblems(o: Partial<AltazionOptions>, failed: ReadonlySet<string> = new Set()): OptionProblem[] {
  const problems: OptionProblem[] = [];
  // a customised database (options.database given, even if wrong) is never installed through the portal
  const customised = o.database !== undefined || failed.has("database");
  const pressed = (o.modules ?? []).some((m) => !(m.name === "database" && customised));
  if (pressed && !failed.has("portal")) {
    const p = o.portal;
    const page = "003 says only that the portal lists the modules to update, each with an « Installer » button, and comes back to that list";
    if (!p?.listedPattern) {
      problems.push({
        path: "options.portal.listedPattern",
        message: `missing: give the regular expression that matches the portal's page while {module} is still to update (${page}; how the page shows a module is the site's)`,
      });
    }
    if (!p?.installingPattern) {
      problems.push({
        path: "options.portal.installingPattern",
        message: `missing: give the regular expression that matches the portal's page while {module}'s install runs (${page}; what it shows meanwhile is the site's): upchain never presses again, nor restores, while it matches`,
      });
    }
    if (!p?.install) {
      problems.push({
        path: "options.portal.install",
        message: `missing: give the form the « Installer » button sends, as the portal's page has it: { method, path, fields: { name: value with {module} }, tokensFromPage: [hidden inputs to copy] } (${page})`,
      });
    }
  }
  // every preview reads both files (what is on offer; which modules are declared, and where)
  if (!o.statusFile && !failed.has("statusFile")) {
    problems.push({
      path: "options.statusFile",
      message: `missing: give how the server's status.xml writes each module's latest detected version, as { element, moduleAttribute, versionAttribute } (003 says only that it holds « la dernière version détectée par le module », not its format): a file of <Module Name="ecommerce" LastDetectedVersion="5.2.0.0"/> is { element: Module, moduleAttribute: Name, versionAttribute: LastDetectedVersion }`,
    });
  }
  if (!o.applicationsFile && !failed.has("applicationsFile")) {
    problems.push({
      path: "options.applicationsFile",
      message: `missing: give how the server's applicationspath.config declares each module and its path, as { element, moduleAttribute, pathAttribute } (003 says only that it « contient des noeuds XML correspondant aux services »): a file of <Application Name="ecommerce" Path="C:\\inetpub\\ecommerce\\"/> is { element: Application, moduleAttribute: Name, pathAttribute: Path }`,
    });
  }
  (o.modules ?? []).forEach((m, i) => {
    if (isWebModule(m.name) && !m.pools) {
      problems.push({
        path: `options.modules[${i}].pools`,
        message: `missing: give the IIS application pool(s) ${m.name} runs in, which the document's install-loop remedy stops and starts again (003: « Localisez le(s) pool(s) d'application faisant tourner la ou les applications »; it names none)`,
      });
    }
  });
  const sql = o.database?.sqlCommand;
  if (sql && SQLCMD.test(sql) && !SQLCMD_B.test(sql)) {
    problems.push({
      path: "options.database.sqlCommand",
      message:
        "runs sqlcmd without -b: sqlcmd then goes on after a failing statement and exits 0, so a failed script would pass; add -b (sqlcmd -b ...) so that it stops and exits non-zero",
    });
  }
  return problems;
}

/** Every problem of the options, the site's missing answers included. */
export function checkAltazionOptions(raw: unknown, platform: Platform): Checked<AltazionOptions> {
  return checkOptions<AltazionOptions>(schemas[platform], raw, (o, failed) => [...rules(platform)(o, failed), ...siteProblems(o, failed)]);
}

/** The options as a plan reads them: valid, but the site's answers may still be missing (see siteProblems). */
export function altazionOptions(raw: unknown, platform: Platform): AltazionOptions {
  return parseOptions<AltazionOptions>(schemas[platform], raw, rules(platform));
}
