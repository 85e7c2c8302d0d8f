// The steps of one Altazion hop (one module to the version its update service detected), in the
// document's order, for either platform: the platform files give the commands. Each hop updates one
// module, so a failure stops the chain there: the modules before it stay updated, the ones after it
// are not started, and the hop's recovery starts the pools again and takes the maintenance page away.
import { ChainPosition, Hop, Shell, Step } from "../../engine/catalog";
import { HttpAttempt } from "../../engine/httpStep";
import { AltazionOptions, ModuleOptions, poolsOf } from "./options";
import { installRequest } from "./portal";
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
  /** The service runs, its portal answers and it has detected `version` of `module`; with `remedy`, the document's fixes first. */
  serviceReady(module: string, version: string, remedy: boolean): string[];
  backupModule(m: ModuleOptions, dir: string): string[];
  restoreModule(m: ModuleOptions, dir: string): string[];
  stopPool(pool: string): string;
  startPool(pool: string): string;
  /** The document's rule for a leftover app_offline.htm(l): renamed to .bak, or deleted when a .bak is there. */
  clearMaintenance(m: ModuleOptions): string[];
  /** The module's installed version, as status.xml says, is `version`. */
  verifyModule(module: string, version: string): string[];
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
export function chainModules(from: string, to: string): string[] {
  const before = new Map(altazionScheme.parse(from));
  return altazionScheme.parse(to).filter(([m, v]) => before.get(m) !== v).map(([m]) => m);
}

const moduleOf = (o: AltazionOptions, name: string): ModuleOptions => {
  const m = o.modules.find((x) => x.name === name);
  if (!m) throw new Error(`altazion: module ${name} is not in the options`);
  return m;
};

export const backupDirOf = (o: AltazionOptions, module: string, from: string, to: string, sep: string) => `${o.backupDir}${sep}${module}-${from}-to-${to}`;

function noticeStep(c: AltazionCommands, phase: "start" | "end", modules: string[], message: string, always = false): Step {
  return {
    id: `notify-${phase}`,
    action: "run",
    shell: c.shell,
    title: phase === "start" ? `Tell the users that ${modules.join(", ")} will be cut for a few minutes` : `Tell the users the update is over`,
    commands: c.notify(phase, message, modules),
    destructive: false,
    rule: rules.tellUsers.id,
    ...(always ? { always: true } : {}),
  };
}

export function hopSteps(o: AltazionOptions, hop: Hop, c: AltazionCommands, chain: ChainPosition, sep: string): Step[] {
  const mod = hopModule(hop);
  const m = moduleOf(o, mod.name);
  const modules = chainModules(chain.from, chain.to);
  const pools = poolsOf(m);
  const dir = backupDirOf(o, mod.name, mod.from, mod.to, sep);
  const manualDatabase = mod.name === "database" && o.database?.reviewedScripts !== undefined;
  const steps: Step[] = [];
  if (chain.index === 0 && o.notify) steps.push(noticeStep(c, "start", modules, `Altazion update: ${modules.join(", ")} will be cut for a few minutes`));
  if (!manualDatabase) {
    steps.push({
      id: "service-ready",
      action: "run",
      shell: c.shell,
      title: `Check the update service runs and has detected ${mod.name} ${mod.to}${o.remedy ? ` (else set its start mode, start or restart it, and wait up to ${o.detectionWaitSeconds}s)` : ""}`,
      commands: c.serviceReady(mod.name, mod.to, o.remedy),
      destructive: false,
      rule: o.remedy ? rules.notDetected.id : rules.portalDown.id,
      timeoutSeconds: o.detectionWaitSeconds + 300,
    });
  }
  if (manualDatabase) {
    const db = o.database!;
    const scripts = db.reviewedScripts!;
    steps.push({ id: "backup", action: "backup", shell: c.shell, title: `Back up the database with the site's backup command before ${mod.to}`, commands: c.databaseBackup(db.backupCommand), destructive: false });
    steps.push({ id: "check-scripts", action: "run", shell: c.shell, title: `Check the update's ${scripts.length} script(s) are the ones reviewed (names, order, sha256)`, commands: c.checkScripts(mod.to, scripts), destructive: false, rule: rules.customisedDatabase.id });
    scripts.forEach((s, i) =>
      steps.push({ id: `script-${i + 1}`, action: "run", shell: c.shell, title: `Run reviewed script ${i + 1}/${scripts.length} ${s.name} (sha256 ${s.sha256.slice(0, 12)}…)`, commands: c.runScript(db.sqlCommand, mod.to, s), destructive: true, rule: rules.customisedDatabase.id }),
    );
  } else {
    steps.push({ id: "backup", action: "backup", shell: c.shell, title: `Back up ${m.folder} before ${mod.name} ${mod.to}`, commands: c.backupModule(m, dir), destructive: false, backupDir: dir });
    const attempts: HttpAttempt[] = [
      { waitSeconds: 0, note: "press Installer" },
      { waitSeconds: o.retryWaitSeconds, note: `still listed: press Installer again after ${o.retryWaitSeconds}s` },
      ...(pools.length ? [{ waitSeconds: 0, note: `still listed: stop ${pools.join(", ")}, press Installer again, start them again`, before: pools.map(c.stopPool), after: pools.map(c.startPool) }] : []),
    ];
    const giveUp =
      `The document's remaining advice: close every explorer window or command line open on the application's folders (for every user logged on the server)` +
      `${pools.length ? "" : `; ${mod.name} is not a web module, so stopping an IIS pool does not apply`}, then run pulumi up again; if it still loops, open a ticket at support.altazion.com.`;
    steps.push({
      id: "install",
      action: "http",
      shell: c.shell,
      title: `Press Installer for ${mod.name} ${mod.to} (portal at localhost:${o.portal.port}, SSH tunnel)`,
      commands: [],
      destructive: true,
      rule: rules.installLoops.id,
      ...installRequest(o.portal, mod.name, attempts, giveUp),
    });
    if (pools.length) steps.push({ id: "pools-started", action: "run", shell: c.shell, title: `Make sure ${pools.join(", ")} ${pools.length === 1 ? "runs" : "run"}`, commands: pools.map(c.startPool), destructive: false });
    if (isWebModule(mod.name)) steps.push({ id: "maintenance", action: "run", shell: c.shell, title: `Take ${mod.name} out of maintenance (app_offline.htm/.html renamed to .bak, or deleted when a .bak is there)`, commands: c.clearMaintenance(m), destructive: true, rule: rules.maintenance.id });
  }
  steps.push({ id: "verify", action: "verify", shell: c.shell, title: `Check ${mod.name} now runs ${mod.to}`, commands: c.verifyModule(mod.name, mod.to), destructive: false });
  if (chain.index === chain.count - 1 && o.notify) steps.push(noticeStep(c, "end", modules, `Altazion update over: ${modules.join(", ")} updated`));
  return steps;
}

export function restoreSteps(o: AltazionOptions, hop: Hop, c: AltazionCommands, sep: string): Step[] {
  const mod = hopModule(hop);
  const m = moduleOf(o, mod.name);
  if (mod.name === "database" && o.database?.reviewedScripts !== undefined) {
    return [{ id: "restore", action: "restore", shell: c.shell, title: `Restore the database from the backup taken before ${mod.to}`, commands: c.databaseRestore(o.database.restoreCommand, o.database.backupCommand), destructive: true }];
  }
  const dir = backupDirOf(o, mod.name, mod.from, mod.to, sep);
  return [{ id: "restore", action: "restore", shell: c.shell, title: `Put ${m.folder} back as it was before ${mod.name} ${mod.to}`, commands: c.restoreModule(m, dir), destructive: true }];
}

export function recoverSteps(o: AltazionOptions, hop: Hop, c: AltazionCommands): Step[] {
  const mod = hopModule(hop);
  const m = moduleOf(o, mod.name);
  const pools = poolsOf(m);
  const steps: Step[] = [];
  // the document: the pools are started again whatever happens
  if (pools.length) steps.push({ id: "pools-recover", action: "run", shell: c.shell, title: `Start ${pools.join(", ")} again`, commands: pools.map(c.startPool), destructive: false, always: true });
  if (isWebModule(mod.name)) steps.push({ id: "maintenance-recover", action: "run", shell: c.shell, title: `Take ${mod.name} out of maintenance`, commands: c.clearMaintenance(m), destructive: false, always: true });
  if (o.notify) steps.push(noticeStep(c, "end", [mod.name], `Altazion update stopped at ${mod.name}: it still runs ${mod.from}; the modules after it were not updated`, true));
  return steps;
}
