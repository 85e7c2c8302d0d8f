// Oracle AS middle-tier options in the stack, validated with zod per platform. The homes default to
// a common layout (a site names its own); the installers are the site's own commands. Every key is
// checked (a misspelled one is refused naming the near key), every path is a plain absolute path of
// the platform in force, and the homes and the backup directory may not overlap.
import { z } from "zod";
import type { OracleAsOptions } from "./optionTypes";
import { Platform } from "../../engine/planning/catalog";
import { backupOverlaps } from "../../options/overlap";
import { Checked, checkOptions, parseOptions } from "../../options/parse";
import { absolutePath, isSameOrInside, shown } from "../../options/paths";
import { OptionProblem } from "../../options/problems";
import { command as siteCommand, expecting, flag, strictOptions } from "../../options/schema";
import { windowsServiceName } from "../../options/names";
import { COMPONENTS, DONE } from "./postUpgrade";
import { homeCommandsSchema } from "./homeCommands";
import { prerequisitesSchema } from "./prerequisites";

const command = siteCommand("a command");

const ORACLE_AS_DEFAULTS: Record<Platform, { sourceHome: string; destinationHome: string; backupDir: string }> = {
  linux: { sourceHome: "/u01/app/oracle/product/9.0.2", destinationHome: "/u01/app/oracle/product/10.1.2", backupDir: "/var/backups/upchain/oracle-as" },
  windows: { sourceHome: "D:\\oracle\\ias902", destinationHome: "D:\\oracle\\ias1012", backupDir: "C:\\upchain\\backups\\oracle-as" },
};

/** A JVM heap size as the document writes it in Oc4jPlugin.cfg (-Xmx1024m): a number and m or g. */
const heap = z
  .string(expecting("a heap size like 1024m"))
  .regex(/^[1-9][0-9]{0,5}[mMgG]$/, "a heap size: a number and m or g, like 1024m (the document's example for many or large OC4J applications)");

/** An OPMN Windows service name (no wildcard characters: Stop-Service -Name would match several services). */
const serviceName = windowsServiceName("OracleIAS1012ProcessManager");

function schemaFor(platform: Platform) {
  const d = ORACLE_AS_DEFAULTS[platform];
  return strictOptions(
    {
      /** The middle tier's Oracle home now (the source). The patch set changes it in place, so its restore removes it first. */
      sourceHome: absolutePath(platform, d.sourceHome, { removedByRestore: true }).default(d.sourceHome),
      /** The new 10.1.2 Oracle home the site's installer creates beside the source. */
      destinationHome: absolutePath(platform, d.destinationHome, { removedByRestore: true }).default(d.destinationHome),
      /** The site's install commands (POSIX sh on Linux, PowerShell on Windows), run as root / an administrator. */
      installers: strictOptions(
        {
          /** Applies the 9.0.2.3 patch set (3038037) to the source home. */
          patchSet: command.optional(),
          /** Installs the 10.1.2 middle tier into destinationHome (a silent Oracle Universal Installer run). */
          destination: command.optional(),
        },
        "an object with patchSet and destination commands",
      ).default({}),
      /**
       * The ias_admin password that `emctl stop` asks for (9.0.2 and 9.0.3 sources), as a reference to a
       * secret: "$UPCHAIN_SECRET_IAS_ADMIN" with IAS_ADMIN declared in upchain:secrets. Never the password itself.
       */
      iasAdminPassword: z
        .string(expecting("a secret reference like $UPCHAIN_SECRET_IAS_ADMIN"))
        .regex(
          /^\$UPCHAIN_SECRET_[A-Z0-9_]+$/,
          "a reference to a secret like $UPCHAIN_SECRET_IAS_ADMIN (declare IAS_ADMIN in upchain:secrets), never the password itself",
        )
        .optional(),
      backupDir: absolutePath(platform, d.backupDir).default(d.backupDir),
      /** Raise the Upgrade Assistant's OC4J JVM maximum heap (Oc4jPlugin.cfg, -Xmx). */
      oc4jMaxHeap: heap.optional(),
      /** After a good hop, take the source instance out of its farm (dcmctl leavefarm) so it can be removed later. */
      decommissionSource: flag().default(false),
      /** The HTTP port the verify step asks for the running release (Web Cache's listener, 7777 by default). */
      httpPort: z
        .number(expecting("a port number"))
        .int("a whole port number")
        .min(1, "a port from 1 to 65535")
        .max(65535, "a port from 1 to 65535")
        .default(7777),
      /** A member of a Web Cache cluster: after its upgrade, start Web Cache and propagate the configuration to the cluster. */
      webCacheMember: flag().default(false),
      /** The site's answers for a Web Cache member (004 gives the propagation only as a console action). */
      webCache: strictOptions(
        {
          /** Run on the member after `opmnctl startproc ias-component=WebCache`: performs Web Cache Manager's Operations-page "Propagate Configuration"; exits non-zero if it did not happen. */
          propagateCommand: siteCommand('a command that performs Web Cache Manager\'s Operations-page "Propagate Configuration"').optional(),
        },
        "an object with propagateCommand",
      ).default({}),
      /**
       * The site's read-only command that exits 0 when the Infrastructure this middle tier uses is up and
       * reachable (004 requires it, without saying how to check), or "none" when the middle tier uses none.
       */
      infrastructureCheck: siteCommand(
        'a read-only command that exits 0 when the Infrastructure answers and prints its release (like 9.0.2.3), or "none"',
      ).optional(),
      /** The middle tier's configured components: they decide which of 004's post-upgrade tasks apply. */
      components: z
        .array(z.enum(COMPONENTS, expecting(`one of ${COMPONENTS.join(", ")}`)), expecting(`a list of components (${COMPONENTS.join(", ")})`))
        .optional(),
      /**
       * Each applicable manual post-upgrade task (postUpgrade.ts): the site's command that does it, or "done"
       * once done by hand. jaznLibraryPaths also takes { applicationXml: "<path>" }: upchain adds the two
       * entries 004 gives to that file.
       */
      postUpgradeTasks: z
        .record(
          z.string(),
          z.union(
            [
              z.literal(DONE),
              siteCommand(`a command that does the task, or "${DONE}"`),
              strictOptions(
                {
                  applicationXml: absolutePath(
                    platform,
                    d.destinationHome + (platform === "windows" ? "\\j2ee\\home\\config\\application.xml" : "/j2ee/home/config/application.xml"),
                  ),
                },
                "an object with applicationXml",
              ),
            ],
            expecting(`a command, "${DONE}", or (jaznLibraryPaths) { applicationXml: <path> }`),
          ),
          expecting("an object of post-upgrade tasks"),
        )
        .default({}),
      /** Linux: the file that flags which Oracle homes start at boot (`*:<home>:Y`). */
      oratab: absolutePath("linux", "/etc/oratab").default("/etc/oratab"),
      /** Linux: the file naming the active Enterprise Manager home (`DEFAULT=<home>`); on Windows the registry key em_loc. */
      emtab: absolutePath("linux", "/var/opt/oracle/emtab").default("/var/opt/oracle/emtab"),
      /**
       * The site's commands for what 004 does to a home without giving the command (homeCommands.ts):
       * each runs in the platform's shell with ORACLE_HOME set to the home it acts on. No defaults.
       */
      homeCommands: homeCommandsSchema,
      /** The site's confirmations of 004's tasks before 10.1.2 that upchain cannot do itself (prerequisites.ts). */
      prerequisites: prerequisitesSchema,
      /** Windows: the OPMN service of the source home (Oracle<HomeName>ProcessManager). */
      windowsSourceService: serviceName.optional(),
      /** Windows: the OPMN service of the destination home. */
      windowsDestinationService: serviceName.optional(),
    },
    "an object of Oracle AS options (sourceHome, destinationHome, installers, ...)",
  );
}

const schemas: Record<Platform, ReturnType<typeof schemaFor>> = { linux: schemaFor("linux"), windows: schemaFor("windows") };
const oracleAsOptionsSchema = (platform: Platform) => schemas[platform];

export type { OracleAsOptions };
/** What the schema accepts, for the compile-time test that holds it equal to OracleAsOptions (optionTypes.ts). */
export type OracleAsSchemaOutput = z.infer<ReturnType<typeof schemaFor>>;

/** The homes may not overlap each other, and the backup directory lies apart from both. */
function rules(platform: Platform) {
  return (o: Partial<OracleAsOptions>): OptionProblem[] => {
    const problems: OptionProblem[] = [];
    if (
      o.sourceHome &&
      o.destinationHome &&
      (isSameOrInside(o.destinationHome, o.sourceHome, platform) || isSameOrInside(o.sourceHome, o.destinationHome, platform))
    ) {
      problems.push({
        path: "options.destinationHome",
        message: `${shown(o.destinationHome)} overlaps sourceHome (${shown(o.sourceHome)}): the 10.1.2 home is a new folder beside the source home, like ${ORACLE_AS_DEFAULTS[platform].destinationHome}`,
      });
    }
    if (o.backupDir) {
      const homes = (["sourceHome", "destinationHome"] as const).filter((k) => o[k]).map((k) => ({ field: `options.${k}`, value: o[k]! }));
      problems.push(...backupOverlaps({ field: "options.backupDir", value: o.backupDir }, homes, platform, ORACLE_AS_DEFAULTS[platform].backupDir));
    }
    return problems;
  };
}

/** Every problem with the options on `platform` at once, and the fields that are valid. */
export function checkOracleAsOptions(raw: unknown, platform: Platform): Checked<OracleAsOptions> {
  return checkOptions<OracleAsOptions>(oracleAsOptionsSchema(platform), raw, rules(platform));
}

/** The options, or UpchainError("INVALID_INPUT") listing every problem with its `options.` path. */
export function oracleAsOptions(raw: unknown, platform: Platform): OracleAsOptions {
  return parseOptions<OracleAsOptions>(oracleAsOptionsSchema(platform), raw, rules(platform));
}
