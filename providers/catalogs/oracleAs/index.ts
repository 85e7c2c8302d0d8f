// The Oracle Application Server middle-tier catalog: 9.0.2 takes the 9.0.2.3 patch set first; 9.0.2.3,
// 9.0.3 and 9.0.4 go to 10.1.2 in one side-by-side hop (a new Oracle home, then the Upgrade Assistant).
// 004 names no file or command that tells the installed release, so there is no documented probe: the
// server's versionCommand (the site's read-only command), the tracked version or `current` says it.
import { DOCUMENTS, fromDocument } from "../../engine/planning/provenance";
import { Catalog, Hop, PlanContext } from "../../engine/planning/catalog";
import { oracleHostChecks } from "./checks";
import { linuxCommands } from "./linux";
import { OracleAsOptions, checkOracleAsOptions, oracleAsOptions } from "./options";
import { HOME_COMMANDS, homeCommandField, homeCommandsNeeded } from "./homeCommands";
import { COMPONENTS, DONE, POST_UPGRADE_TASKS, applicableTasks, taskField } from "./postUpgrade";
import { OracleAsCommands, patchSetSteps, recoverStepsFrom, restoreStepsFrom, sideBySideSteps } from "./outline";
import {
  DOCUMENTED_SOURCES_TEXT,
  PATCH_SET,
  TARGET,
  compareOracle,
  goesStraightTo10g,
  hasEmWebSite,
  isDocumentedSource,
  isRelease902,
  needsPatchSet,
  oracleScheme,
  rules,
} from "./rules";
import { windowsCommands } from "./windows";

export { oracleScheme } from "./rules";

function legalHops(from: string, ctx: PlanContext): Hop[] {
  const to = (v: string) => ctx.releases.includes(v);
  if (needsPatchSet(from) && to(PATCH_SET)) return [{ from, to: PATCH_SET, rule: rules.patchSetFirst }];
  if (goesStraightTo10g(from) && to(TARGET)) return [{ from, to: TARGET, rule: rules.sideBySide }];
  return [];
}

const settings = (ctx: PlanContext) => oracleAsOptions(ctx.options, ctx.platform);
const commandsFor = (hop: Hop, ctx: PlanContext): OracleAsCommands => (ctx.platform === "windows" ? windowsCommands : linuxCommands)(settings(ctx), hop);

type Problem = { path: string; message: string };

/**
 * 004: the upgraded instance starts only once every manual post-upgrade task is done. Which apply
 * follows from the components the site declares; each applicable task needs the site's command or
 * "done". Every missing answer is named at once; unknown task names are refused naming the known ones.
 */
function postUpgradeProblems(o: Partial<OracleAsOptions>, from: string, failed: ReadonlySet<string>, problems: Problem[]) {
  const add = (p: Problem) => {
    if (!problems.some((x) => x.path === p.path)) problems.push(p);
  };
  if (failed.has("components") || failed.has("postUpgradeTasks")) return;
  if (!o.components) {
    add({
      path: "options.components",
      message: `004 lists manual post-upgrade tasks per component, and the instance may start only once they are done: give the middle tier's configured components, a list of ${COMPONENTS.join(", ")}`,
    });
    return;
  }
  const answers = o.postUpgradeTasks ?? {};
  const known = POST_UPGRADE_TASKS.map((t) => t.id);
  for (const key of Object.keys(answers)) {
    if (!known.includes(key)) add({ path: taskField(key), message: `is not one of 004's post-upgrade tasks upchain knows: ${known.join(", ")}` });
    else if (typeof answers[key] === "object" && key !== "jaznLibraryPaths")
      add({ path: taskField(key), message: `takes your site's command that does the task, or "${DONE}"; only jaznLibraryPaths takes { applicationXml }` });
  }
  for (const t of applicableTasks(from, o.components)) {
    if (answers[t.id] === undefined) {
      add({
        path: taskField(t.id),
        message: `004 asks, for ${t.component}: ${t.what}. The instance starts only after it: give your site's command that does it, or "${DONE}" once it is done by hand${t.id === "jaznLibraryPaths" ? ', or { applicationXml: "<path>" } for upchain to add the two entries 004 gives' : ""}`,
      });
    }
  }
}

export const oracleAs: Catalog = {
  product: "oracle-as",
  title: "Oracle Application Server middle tier",
  scheme: oracleScheme,
  platforms: ["linux", "windows"],
  minPowerShell: "3.0",
  defaultReleases: [PATCH_SET, TARGET],
  legalHops,
  requiredStops(from, to) {
    return needsPatchSet(from) && compareOracle(to, PATCH_SET) > 0 ? [{ version: PATCH_SET, rule: rules.patchSetFirst }] : [];
  },
  undocumentedSource(from) {
    if (isDocumentedSource(from) || compareOracle(from, TARGET) >= 0) return undefined;
    return `${from} is not a source the Oracle AS upgrade guide covers: it upgrades middle tiers from ${DOCUMENTED_SOURCES_TEXT} to ${TARGET}`;
  },
  hopSteps(hop, ctx) {
    const o = settings(ctx);
    return hop.to === PATCH_SET ? patchSetSteps(o, hop, commandsFor(hop, ctx)) : sideBySideSteps(o, hop, commandsFor(hop, ctx));
  },
  restoreSteps: (hop, ctx) => restoreStepsFrom(settings(ctx), hop, commandsFor(hop, ctx)),
  recoverSteps: (hop, ctx) => recoverStepsFrom(settings(ctx), hop, commandsFor(hop, ctx)),
  optionProblems: (ctx) => checkOracleAsOptions(ctx.options, ctx.platform).problems,
  preflight(hops, ctx) {
    const { fields: o, failed, problems } = checkOracleAsOptions(ctx.options, ctx.platform);
    const need = (ok: unknown, field: string, key: string, message: string) => {
      if (!failed.has(key) && !ok && !problems.some((p) => p.path === field)) problems.push({ path: field, message });
    };
    const windows = ctx.platform === "windows";
    for (const hop of hops) {
      const h = `the hop ${hop.from} -> ${hop.to}`;
      if (hop.to === PATCH_SET)
        need(
          o.installers?.patchSet,
          "options.installers.patchSet",
          "installers",
          `${h} applies the ${PATCH_SET} patch set (3038037) with your site's own command (a silent Oracle Universal Installer run); give it`,
        );
      if (hop.to === TARGET) {
        need(
          o.destinationHome,
          "options.destinationHome",
          "destinationHome",
          `${h} installs ${TARGET} into a new Oracle home beside the source; give its path`,
        );
        need(
          o.installers?.destination,
          "options.installers.destination",
          "installers",
          `${h} installs the ${TARGET} middle tier with your site's own command (a silent Oracle Universal Installer run into destinationHome); give it`,
        );
        if (windows)
          need(
            o.windowsDestinationService,
            "options.windowsDestinationService",
            "windowsDestinationService",
            `${h} starts the new home through its OPMN service (Oracle<HomeName>ProcessManager); give its name`,
          );
      }
      if (windows)
        need(
          o.windowsSourceService,
          "options.windowsSourceService",
          "windowsSourceService",
          `${h} stops and restarts the source through its OPMN service (Oracle<HomeName>ProcessManager); give its name`,
        );
      need(
        o.infrastructureCheck,
        "options.infrastructureCheck",
        "infrastructureCheck",
        `${h} needs the Infrastructure this middle tier uses started and reachable (004), and 004 does not say how to check it: give your site's read-only command that exits 0 when it answers and prints its release (like 9.0.2.3: a 9.0.2 middle tier needs an Infrastructure at 9.0.2.3), or "none" when the middle tier uses no Infrastructure`,
      );
      if (hop.to === TARGET) postUpgradeProblems(o, hop.from, failed, problems);
      if (hop.to === TARGET && o.webCacheMember) {
        need(
          o.webCache?.propagateCommand,
          "options.webCache.propagateCommand",
          "webCache",
          `${h} upgrades a Web Cache member, whose configuration 004 propagates with Web Cache Manager's Operations page ("Propagate Configuration"), a console action with no documented command: give your site's command that performs it and exits non-zero if it did not happen`,
        );
      }
      for (const n of homeCommandsNeeded(o, hop))
        need(o.homeCommands?.[n.key], homeCommandField(n.key), "homeCommands", `${h} ${n.why}: give your site's command that ${HOME_COMMANDS[n.key]}`);
      if (hasEmWebSite(hop.from))
        need(
          o.iasAdminPassword,
          "options.iasAdminPassword",
          "iasAdminPassword",
          `${h} stops the ${hop.from} Enterprise Manager Web Site, and emctl stop asks for the ias_admin password: give it as a secret reference like $UPCHAIN_SECRET_IAS_ADMIN`,
        );
    }
    return problems;
  },
  hostChecks: (hops, ctx) => oracleHostChecks(settings(ctx), hops, ctx),
  cluster: {
    // 004's invalidation rule is about 9.0.2 caches (「リリース2(9.0.2)のキャッシュは、10g リリース2(10.1.2)の
    // キャッシュからの無効化メッセージを受け取れません」): 9.0.3 and 9.0.4 clusters roll by traffic alone
    policy: (source) => ({ traffic: "traffic", oldReleaseOnly: source !== undefined && isRelease902(source) ? ["invalidation"] : [] }),
    // stop-opmn stops OPMN and every process it manages, Web Cache included (outline.ts)
    oldReleaseStoppedAfter: "stop-opmn",
    rule: rules.webCacheCluster,
    memberOptions: { webCacheMember: true },
    provenance: fromDocument(
      DOCUMENTS.oracleAs,
      "OracleAS Web Cacheクラスタのアップグレード",
      "ロード・バランサの無効化プールからクラスタ・メンバーを1つずつ削除してアップグレードしていきます。すべてのクラスタ・メンバーをアップグレードしたら、それらを無効化プールに戻します。",
      "remove the cluster members from the load balancer's invalidation pool one at a time and upgrade them; once every member is upgraded, return them to the invalidation pool",
    ),
    oldReleaseOnlyProvenance: fromDocument(
      DOCUMENTS.oracleAs,
      "OracleAS Web Cacheクラスタのアップグレード",
      "リリース2(9.0.2)と10g リリース2(10.1.2)のクラスタ・メンバーの混成のOracleAS Web Cacheクラスタを使用する構成では、ロード・バランサによって無効化メッセージがリリース2(9.0.2.x)メンバーに対してのみ送信されるように構成する必要があります。",
      "in a Web Cache cluster mixing 9.0.2 and 10.1.2 members, the load balancer must send invalidation messages only to the 9.0.2.x members (once the last 9.0.2 member has stopped, none runs, and the upgraded members take them again)",
    ),
  },
};
