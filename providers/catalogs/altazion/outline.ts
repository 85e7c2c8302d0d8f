// The steps of one Altazion hop (one module to the version its update service detected), in the
// document's order, for either platform: the platform files give the commands. Each hop updates one
// module, so a failure stops the chain there: the modules before it stay updated, the ones after it
// are not started, and the hop's recovery starts the pools again and takes the maintenance page away.
import { ChainPosition, Hop, Shell, Step } from "../../engine/planning/catalog";
import { HttpAttempt } from "../../engine/planning/httpStepDetails";
import { AltazionOptions, ModuleOptions, poolsOf } from "./options";
import { installRequest, listedPattern } from "./portal";
import { SOURCE } from "./source";
import { altazionScheme, isWebModule, rules } from "./rules";

/** The commands of one platform. Each returns the lines of one step, already quoted for `shell`. */
export interface AltazionCommands {
  shell: Shell;
  /** Prints status.xml (read-only). */
  readStatus: string;
  /** Prints applicationspath.config (read-only). */
  readApplications: string;
  /** Prints "<Running|Stopped> <start mode>" of the service; exits 3 when it is not installed (read-only). */
  serviceState: string;
  notify(phase: "start" | "end", message: string, modules: string[]): string[];
  /**
   * The portal answers (else, as 003 says only then: the service is installed, runs, and starts
   * Automatic (Delayed Start); with `remedy`, its fixes) and the service has detected `version` of `module`.
   */
  serviceReady(module: string, version: string, remedy: boolean): string[];
  /** Fails, naming them, when the processes it can see are open on the module's folder (« Avant toutes autres choses »). */
  foldersFree(m: ModuleOptions): string[];
  /**
   * What foldersFree sees, in words, and what it cannot see and so is the operator's to do (none
   * when it sees all 003 asks): the step's title and the install's give-up message say both, no more.
   */
  foldersFreeScope(folder: string): { checks: string; operator?: string };
  backupModule(m: ModuleOptions, dir: string): string[];
  restoreModule(m: ModuleOptions, dir: string): string[];
  stopPool(pool: string): string;
  startPool(pool: string): string;
  /** The document's rule for a leftover app_offline.htm(l): renamed to .bak, or deleted when a .bak is there. */
  clearMaintenance(m: ModuleOptions): string[];
  /** The portal's list page (options.portal.listPath) answers and no longer matches `listed`, the site's pattern for the module. */
  verifyModule(module: string, listed: string): string[];
  databaseBackup(command: string): string[];
  databaseRestore(command: string | undefined, backupCommand: string): string[];
  /** The update's scripts on the host are exactly the reviewed ones (names, order, sha256). */
  checkScripts(version: string, reviewed: { name: string; sha256: string }[]): string[];
  runScript(sqlCommand: string, version: string, script: { name: string; sha256: string }): string[];
}

/** The module a hop updates, with its versions before and after. */
export function hopModule(hop: Hop): { name: string; from: string; to: string } {
  const before = new Map(altazionScheme.parse(hop.from));
  const changed = altazionScheme.parse(hop.to).filter(([m, v]) => before.get(m) !== v);
  if (changed.length !== 1) throw new Error(`altazion hop ${hop.from} -> ${hop.to} must update exactly one module`);
  const [name, to] = changed[0];
  return { name, from: before.get(name) ?? "", to };
}

/** The modules a whole chain updates, in order. */
function chainModules(from: string, to: string): string[] {
  const before = new Map(altazionScheme.parse(from));
  return altazionScheme
    .parse(to)
    .filter(([m, v]) => before.get(m) !== v)
    .map(([m]) => m);
}

const moduleOf = (o: AltazionOptions, name: string): ModuleOptions => {
  const m = o.modules.find((x) => x.name === name);
  if (!m) throw new Error(`altazion: module ${name} is not in the options`);
  return m;
};
const poolsOfModule = (o: AltazionOptions, name: string) =>
  poolsOf(
    moduleOf(o, name),
    o.modules.findIndex((x) => x.name === name),
  );

const backupDirOf = (o: AltazionOptions, module: string, from: string, to: string, sep: string) => `${o.backupDir}${sep}${module}-${from}-to-${to}`;

function noticeStep(c: AltazionCommands, phase: "start" | "end", modules: string[], message: string, provenance: Step["provenance"], always = false): Step {
  return {
    provenance,
    id: `notify-${phase}`,
    action: "run",
    shell: c.shell,
    title: phase === "start" ? `Tell the users that ${modules.join(", ")} will be cut for a few minutes` : `Tell the users the update is over`,
    commands: c.notify(phase, message, modules),
    destructive: false,
    ...(phase === "start" ? { rule: rules.tellUsers.id } : {}),
    ...(always ? { always: true } : {}),
  };
}

/** The database is customised (the stack says so with options.database): its scripts are run by hand, never by « Installer ». */
export const isManualDatabase = (o: AltazionOptions, module: string) => module === "database" && o.database !== undefined;

export function hopSteps(o: AltazionOptions, hop: Hop, c: AltazionCommands, chain: ChainPosition, sep: string): Step[] {
  const mod = hopModule(hop);
  const m = moduleOf(o, mod.name);
  // named in the order they are updated (the stack's), whatever order the version lists them in
  const changed = chainModules(chain.from, chain.to);
  const modules = o.modules.map((x) => x.name).filter((n) => changed.includes(n));
  const pools = poolsOfModule(o, mod.name);
  const dir = backupDirOf(o, mod.name, mod.from, mod.to, sep);
  const manualDatabase = isManualDatabase(o, mod.name);
  const steps: Step[] = [];
  const tellUsers = () => {
    if (chain.index === 0 && o.notify)
      steps.push(noticeStep(c, "start", modules, `Altazion update: ${modules.join(", ")} will be cut for a few minutes`, SOURCE.tellUsers));
  };
  if (manualDatabase) {
    // no portal is involved: the users are told before the database's backup
    tellUsers();
    const db = o.database!;
    const scripts = db.reviewedScripts ?? [];
    steps.push({
      id: "backup",
      action: "backup",
      shell: c.shell,
      title: `Back up the database with the site's backup command before ${mod.to}`,
      commands: c.databaseBackup(db.backupCommand),
      destructive: false,
      provenance: SOURCE.databaseBackup,
    });
    steps.push({
      id: "check-scripts",
      action: "run",
      shell: c.shell,
      title: `Check the update's ${scripts.length} script(s) are the ones reviewed (names, order, sha256)`,
      commands: c.checkScripts(mod.to, scripts),
      destructive: false,
      rule: rules.customisedDatabase.id,
      provenance: SOURCE.checkScripts,
    });
    scripts.forEach((s, i) =>
      steps.push({
        id: `script-${i + 1}`,
        action: "run",
        shell: c.shell,
        title: `Run reviewed script ${i + 1}/${scripts.length} ${s.name} (sha256 ${s.sha256.slice(0, 12)}…)`,
        commands: c.runScript(db.sqlCommand, mod.to, s),
        destructive: true,
        rule: rules.customisedDatabase.id,
        provenance: SOURCE.checkScripts,
      }),
    );
    // 003 gives no check of a database update: with versionCommand, the generic check ends the hop
  } else {
    // 003's order: the portal is reached (and the service fixed if it is not), then the users are told, then « Installer »
    steps.push({
      id: "service-ready",
      action: "run",
      shell: c.shell,
      title: `Check the portal answers (else the update service, its start mode${o.remedy ? `: start or restart it, wait up to ${o.detectionWaitSeconds}s` : ""}) and the service has detected ${mod.name} ${mod.to}`,
      commands: c.serviceReady(mod.name, mod.to, o.remedy),
      destructive: false,
      rule: o.remedy ? rules.notDetected.id : rules.portalDown.id,
      timeoutSeconds: o.detectionWaitSeconds + 300,
      provenance: SOURCE.serviceReady,
    });
    tellUsers();
    steps.push({
      id: "backup",
      action: "backup",
      shell: c.shell,
      title: `Back up ${m.folder} before ${mod.name} ${mod.to}`,
      commands: c.backupModule(m, dir),
      destructive: false,
      backupDir: dir,
      provenance: SOURCE.backup,
    });
    const scope = c.foldersFreeScope(m.folder);
    steps.push({
      id: "folders-free",
      action: "run",
      shell: c.shell,
      title: `Check ${scope.checks} (« Avant toutes autres choses »)${scope.operator ? `; not visible from here, so the operator's: ${scope.operator}` : ""}`,
      commands: c.foldersFree(m),
      destructive: false,
      rule: rules.installLoops.id,
      provenance: SOURCE.foldersFree,
    });
    const attempts: HttpAttempt[] = [
      { waitSeconds: 0, note: "press Installer" },
      { waitSeconds: o.retryWaitSeconds, note: `still listed: press Installer again after ${o.retryWaitSeconds}s` },
      ...(pools.length
        ? [
            {
              waitSeconds: 0,
              note: `still listed: stop ${pools.join(", ")}, press Installer again, start them again`,
              before: pools.map(c.stopPool),
              after: pools.map(c.startPool),
            },
          ]
        : []),
    ];
    const giveUp =
      `Every remedy of the document was tried (${scope.checks}${scope.operator ? `, as far as upchain can see` : ""}; pressed again after ${o.retryWaitSeconds}s` +
      `${pools.length ? `; with ${pools.join(", ")} stopped` : `; ${mod.name} is not a web module, so stopping an IIS pool does not apply`}): ` +
      `check that no user logged on the server has a window open on the application's folders, then run pulumi up again; if it still loops, open a ticket at support.altazion.com.`;
    steps.push({
      id: "install",
      action: "http",
      shell: c.shell,
      title: `Press Installer for ${mod.name} ${mod.to} (the site's form, portal at localhost:${o.portal.port} through the SSH tunnel), wait while it installs`,
      commands: [],
      destructive: true,
      rule: rules.installLoops.id,
      provenance: SOURCE.install,
      ...installRequest(o.portal, mod.name, attempts, giveUp),
    } as Step);
    // the check comes right after the install: once the portal no longer lists the module, the vendor's
    // install is done and stays, so a failure of what follows (pools, maintenance page) warns and is
    // recorded, and never puts the old folder back under the new version (a verified upgrade stays)
    steps.push({
      id: "verify",
      action: "verify",
      shell: c.shell,
      title: `Check ${mod.name} has left the portal's list of modules to update`,
      commands: c.verifyModule(mod.name, listedPattern(o.portal, mod.name)),
      destructive: false,
      provenance: SOURCE.verify,
    });
    if (pools.length)
      steps.push({
        id: "pools-started",
        action: "run",
        shell: c.shell,
        title: `Make sure ${pools.join(", ")} ${pools.length === 1 ? "runs" : "run"}`,
        commands: pools.map(c.startPool),
        destructive: false,
        provenance: SOURCE.poolsStarted,
      });
    if (isWebModule(mod.name))
      steps.push({
        id: "maintenance",
        action: "run",
        shell: c.shell,
        title: `Take ${mod.name} out of maintenance (app_offline.htm/.html renamed to .bak, or deleted when a .bak is there)`,
        commands: c.clearMaintenance(m),
        destructive: true,
        rule: rules.maintenance.id,
        provenance: SOURCE.maintenance,
      });
  }
  if (chain.index === chain.count - 1 && o.notify)
    steps.push(noticeStep(c, "end", modules, `Altazion update over: ${modules.join(", ")} updated`, SOURCE.tellUsersOver));
  return steps;
}

export function restoreSteps(o: AltazionOptions, hop: Hop, c: AltazionCommands, sep: string): Step[] {
  const mod = hopModule(hop);
  const m = moduleOf(o, mod.name);
  if (isManualDatabase(o, mod.name)) {
    return [
      {
        id: "restore",
        action: "restore",
        shell: c.shell,
        title: `Restore the database from the backup taken before ${mod.to}`,
        commands: c.databaseRestore(o.database!.restoreCommand, o.database!.backupCommand),
        destructive: true,
        provenance: SOURCE.restoreDatabase,
      },
    ];
  }
  const dir = backupDirOf(o, mod.name, mod.from, mod.to, sep);
  return [
    {
      id: "restore",
      action: "restore",
      shell: c.shell,
      title: `Put ${m.folder} back as it was before ${mod.name} ${mod.to}`,
      commands: c.restoreModule(m, dir),
      destructive: true,
      provenance: SOURCE.restoreModule,
    },
  ];
}

export function recoverSteps(o: AltazionOptions, hop: Hop, c: AltazionCommands): Step[] {
  const mod = hopModule(hop);
  const m = moduleOf(o, mod.name);
  const pools = poolsOfModule(o, mod.name);
  const steps: Step[] = [];
  // the document starts the pools again after the install; after a failed restore they stay stopped and
  // the maintenance page stays up: a half-restored module is not put back in service
  if (pools.length)
    steps.push({
      id: "pools-recover",
      action: "run",
      shell: c.shell,
      title: `Start ${pools.join(", ")} again`,
      commands: pools.map(c.startPool),
      destructive: false,
      provenance: SOURCE.recoverPools,
    });
  if (isWebModule(mod.name))
    steps.push({
      id: "maintenance-recover",
      action: "run",
      shell: c.shell,
      title: `Take ${mod.name} out of maintenance`,
      commands: c.clearMaintenance(m),
      destructive: false,
      provenance: SOURCE.recoverMaintenance,
    });
  if (o.notify)
    steps.push(
      noticeStep(
        c,
        "end",
        [mod.name],
        `Altazion update stopped at ${mod.name}: it still runs ${mod.from}; the modules after it were not updated`,
        SOURCE.tellUsersStopped,
        true,
      ),
    );
  return steps;
}
