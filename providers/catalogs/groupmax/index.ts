// The Groupmax catalog: Hitachi VV-RR versions, one documented hop to Version 6 from Version 5, 3
// and 2.0 (whose path depends on the revision: 02-00 is not 02-01), and the document's steps.
import { Catalog, HostCheck, Hop, PlanContext } from "../../engine/planning/catalog";
import { VersionScheme } from "../../engine/planning/version";
import { localPathProblems } from "../../options/localFiles";
import { fieldPath } from "../../options/problems";
import { quote } from "../../quote";
import { linuxCommands } from "./linux";
import { checkGroupmaxOptions, groupmaxSettings, requiredProblems } from "./options";
import { hopStepsFrom, recoverStepsFrom, restoreStepsFrom } from "./outline";
import { DOCUMENTED_SOURCES, DOCUMENTED_SOURCES_TEXT, TARGET_MAJOR, needsAdvup } from "./rules";
import { windowsCommands } from "./windows";

/** Hitachi's VV-RR: version and revision, two digits each ("02-00" is Version 2.0, revision 00). */
export const vvrrScheme: VersionScheme = {
  describe: "Hitachi's VV-RR, two two-digit numbers like 06-00 (Version 6, revision 00)",
  normalize: (text) => (/^\d{2}-\d{2}$/.test(text.trim()) ? text.trim() : undefined),
  compare: (a, b) => a.localeCompare(b),
};

const major = (v: string) => Number(v.slice(0, 2));

function legalHops(from: string, ctx: PlanContext): Hop[] {
  const rule = DOCUMENTED_SOURCES[major(from)];
  if (!rule) return [];
  return ctx.releases.filter((r) => major(r) === TARGET_MAJOR).map((to) => ({ from, to, rule }));
}

const settings = (ctx: PlanContext) => groupmaxSettings(ctx.options, ctx.platform);
/** The hop's steps (outline.ts) with the commands of ctx.platform. */
function render(hop: Hop, ctx: PlanContext, outline: typeof hopStepsFrom) {
  const o = settings(ctx);
  return outline(o, hop, (ctx.platform === "windows" ? windowsCommands : linuxCommands)(o, hop));
}

/**
 * Linux, at preview: the folders the stack names are there (the backup would archive nothing, the
 * journal step would fail after the install). One read-only check per folder, under its field.
 */
function folderChecks(ctx: PlanContext): HostCheck[] {
  if (ctx.platform !== "linux") return [];
  const { fields: o } = checkGroupmaxOptions(ctx.options, ctx.platform);
  const folders = [
    ...(o.installDirs ?? []).map((p, i) => ({ path: fieldPath(["options", "installDirs", i]), p, what: "an installation folder" })),
    ...(o.databasePaths ?? []).map((p, i) => ({ path: fieldPath(["options", "databasePaths", i]), p, what: "a database file or folder" })),
    ...(typeof o.journalDir === "string" ? [{ path: "options.journalDir", p: o.journalDir, what: "the journal folder" }] : []),
  ];
  return folders.map(({ path, p, what }) => ({
    id: `exists-${path}`,
    path,
    shell: "sh",
    command: `test -e ${quote(p)}`,
    judge: (r) =>
      r.code === 0
        ? undefined
        : `${p} is not on the server, so it cannot be ${what} of this Groupmax: give the path where it is${path === "options.journalDir" ? ", or false if the old version kept no journals" : ""}`,
  }));
}

export const groupmax: Catalog = {
  product: "groupmax",
  title: "Groupmax master management server",
  scheme: vvrrScheme,
  platforms: ["linux", "windows"],
  minPowerShell: "3.0",
  defaultReleases: ["06-00"],
  legalHops,
  requiredStops: () => [],
  undocumentedSource(from) {
    if (DOCUMENTED_SOURCES[major(from)]) return undefined;
    const what = major(from) >= TARGET_MAJOR ? `${from} is already Version ${major(from)}` : `${from} is Version ${major(from)}`;
    return `${what}, and the Groupmax upgrade document covers only upgrades to Version ${TARGET_MAJOR} from ${DOCUMENTED_SOURCES_TEXT}`;
  },
  hostChecks: (hops, ctx) => (hops.length ? folderChecks(ctx) : []),
  hopSteps: (hop, ctx) => render(hop, ctx, hopStepsFrom),
  restoreSteps: (hop, ctx) => render(hop, ctx, restoreStepsFrom),
  recoverSteps: (hop, ctx) => render(hop, ctx, recoverStepsFrom),
  optionProblems: (ctx) => checkGroupmaxOptions(ctx.options, ctx.platform).problems,
  preflight(hops, ctx) {
    const { fields: o, failed, problems } = checkGroupmaxOptions(ctx.options, ctx.platform);
    // what the upload steps copy must be here now, not found missing after the services stopped
    if (hops.length)
      (o.uploads ?? []).forEach((u, i) => problems.push(...localPathProblems(fieldPath(["options", "uploads", i, "source"]), u.source, "file or folder")));
    if (hops.length) problems.push(...requiredProblems(o, ctx.platform, failed));
    const what = { objectServer: "Object Server", addressServer: "Address Server", mailServer: "Mail Server" } as const;
    for (const hop of hops) {
      for (const [key, name] of Object.entries(what) as [keyof typeof what, string][]) {
        if (!failed.has("installers") && !o.installers?.[key]) {
          problems.push({
            path: `options.installers.${key}`,
            message: `the hop ${hop.from} -> ${hop.to} installs ${name} with your site's own command (for example a silent install of an uploaded package); give it`,
          });
        }
      }
      // 002 (3) runs advup2_6 and the Address_Mail setup on every platform; never skipped
      if (needsAdvup(hop.from) && !failed.has("advup") && !o.advup) {
        problems.push({
          path: "options.advup",
          message: `the hop ${hop.from} -> ${hop.to} runs advup2_6 (002 names the command, not its folder); give its full path on this server`,
        });
      }
      if (needsAdvup(hop.from) && !failed.has("addressMailSetup") && !o.addressMailSetup) {
        problems.push({
          path: "options.addressMailSetup",
          message: `the hop ${hop.from} -> ${hop.to} confirms the Address_Mail Server setup (002: press OK on its screen); give your site's unattended command that does it`,
        });
      }
    }
    return problems;
  },
};
