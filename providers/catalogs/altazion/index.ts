// The Altazion Office catalog. A server hosts several modules, each at its own version, updated by the
// vendor's update service: a server's version is its modules' ("ecommerce=5.2.0.0,integration=5.1.0.0"),
// and each hop updates one module, in the order the stack lists them, to the version the service has
// detected. The portal is reached through the SSH connection's tunnel (the engine's "http" step).
import { Catalog, Hop, PlanContext } from "../../engine/planning/catalog";
import { altazionHostChecks } from "./checks";
import { hookNameProblem } from "./hooks";
import { sitePlaceholder } from "../../engine/planning/provenance";
import { quote, quotePowerShell } from "../../quote";
import { linuxCommands, linuxFiles } from "./linux";
import { mixesBetween, readOffer } from "./offer";
import { AltazionOptions, altazionOptions, checkAltazionOptions } from "./options";
import { AltazionCommands, hopModule, hopSteps, isManualDatabase, recoverSteps, restoreSteps } from "./outline";
import { altazionScheme, moduleVersion, rules } from "./rules";
import { windowsCommands, windowsFiles } from "./windows";

export { altazionScheme } from "./rules";

const hasModules = (options: unknown) => typeof options === "object" && options !== null && "modules" in options;

/**
 * The stack's options; planned without them (`upchain plan`, the recipe tables), the modules are the
 * version's own, each to the latest, in its folder shown as the site's placeholder.
 */
function settings(ctx: PlanContext, version?: string): AltazionOptions {
  if (hasModules(ctx.options) || version === undefined) return altazionOptions(ctx.options, ctx.platform);
  const names = altazionScheme.parse(version).map(([m]) => m);
  const o = altazionOptions(
    {
      ...(ctx.options as object),
      modules: names.map((name, i) => ({ name, target: "latest", folder: `${ctx.platform === "windows" ? "C:\\" : "/"}placeholder${i}` })),
    },
    ctx.platform,
  );
  return { ...o, modules: o.modules.map((m, i) => ({ ...m, folder: sitePlaceholder(`options.modules[${i}].folder`) })) };
}
const commandsFor = (ctx: PlanContext, version?: string): AltazionCommands =>
  (ctx.platform === "windows" ? windowsCommands : linuxCommands)(settings(ctx, version));
const sep = (ctx: PlanContext) => (ctx.platform === "windows" ? "\\" : "/");

/** Per module, the newest version any release on offer gives it (what "latest" means). */
function newestOffered(ctx: PlanContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of ctx.releases) {
    for (const [m, v] of altazionScheme.parse(r)) {
      const had = out.get(m);
      if (moduleVersion.normalize(v) && (!had || moduleVersion.compare(v, had) > 0)) out.set(m, v);
    }
  }
  return out;
}

/**
 * One hop: the first module, in the stack's order, that is not at its target yet, to its target (a
 * version the service offers). So a chain updates the modules one at a time, in that order.
 */
function legalHops(from: string, ctx: PlanContext): Hop[] {
  const o = settings(ctx, from);
  const at = new Map(altazionScheme.parse(from));
  const offered = newestOffered(ctx);
  for (const m of o.modules) {
    const now = at.get(m.name);
    const goal = m.target === "latest" ? offered.get(m.name) : moduleVersion.normalize(m.target);
    if (!now || !goal || moduleVersion.compare(goal, now) <= 0) continue;
    const to = altazionScheme.format(altazionScheme.parse(from).map(([n, v]) => [n, n === m.name ? goal : v]));
    return ctx.releases.includes(to) ? [{ from, to, rule: isManualDatabase(o, m.name) ? rules.customisedDatabase : rules.serviceInstalls }] : [];
  }
  return [];
}

export const altazion: Catalog = {
  product: "altazion-office",
  title: "Altazion Office",
  scheme: altazionScheme,
  platforms: ["linux", "windows"],
  minPowerShell: "4.0",
  // what can be installed is what the update service has detected: read from the host (offers)
  defaultReleases: [],
  // planned without a host: each module at its --from or its --to version
  releasesBetween: (from, to) => mixesBetween(from, to),
  legalHops,
  describeHop: (hop) => {
    const m = hopModule(hop);
    return `${m.name} ${m.from}->${m.to}`;
  },
  requiredStops: () => [],
  // no probe: 003 names no installed version (status.xml holds « la dernière version détectée »), so
  // the site's versionCommand says it (module=version,... in name order), else the tracked or declared one
  offers(ctx) {
    const o = settings(ctx);
    const c = commandsFor(ctx);
    return {
      shell: c.shell,
      command: c.readStatus,
      read: (r, installed, target) =>
        r.code === 0
          ? readOffer(o, r.stdout, installed, target)
          : { problem: `the update service's status.xml cannot be read: ${r.stderr.trim().slice(0, 200) || `exit ${r.code}`}` },
    };
  },
  hopSteps: (hop, ctx, chain) =>
    hopSteps(settings(ctx, hop.from), hop, commandsFor(ctx, hop.from), chain ?? { index: 0, count: 1, from: hop.from, to: hop.to }, sep(ctx)),
  restoreSteps: (hop, ctx) => restoreSteps(settings(ctx, hop.from), hop, commandsFor(ctx, hop.from), sep(ctx)),
  recoverSteps: (hop, ctx) => recoverSteps(settings(ctx, hop.from), hop, commandsFor(ctx, hop.from)),
  optionProblems: (ctx) => checkAltazionOptions(ctx.options, ctx.platform).problems,
  preflight: (_hops, ctx) => checkAltazionOptions(ctx.options, ctx.platform).problems,
  hostChecks: (hops, ctx) => altazionHostChecks(settings(ctx), hops, ctx),
  fileSets: {
    hooks: {
      title: "phase hooks",
      folder: (ctx) => (ctx.platform === "windows" ? windowsFiles : linuxFiles)(settings(ctx)).hooks,
      // every PowerShell file there is a hook the service may run: one the stack does not declare is removed
      owns: /\.ps1$/i,
      nameProblem: (name, ctx) =>
        hookNameProblem(
          name,
          settings(ctx).modules.map((m) => m.name),
        ),
      // hooks go only to a server whose update service is there (its scripts folder is beside status.xml)
      productCheck: (ctx) => {
        const o = settings(ctx);
        const windows = ctx.platform === "windows";
        const hooks = (windows ? windowsFiles : linuxFiles)(o).hooks;
        const updates = hooks.replace(/[\\/]scripts$/, "");
        const problem = `this is not an Altazion Office server: the update service "${o.serviceName}" is not installed, or its folder ${updates} is not there (set options.serviceName and options.dataFolder as the server has them)`;
        if (windows) {
          const c = windowsCommands(o);
          return {
            shell: "powershell" as const,
            command: `try { & { ${c.serviceState} } | Out-Null } catch { exit 1 }; if (-not (Test-Path -LiteralPath ${quotePowerShell(updates)} -PathType Container)) { exit 1 }`,
            problem,
          };
        }
        const c = linuxCommands(o);
        return { shell: "sh" as const, command: `(${c.serviceState}) >/dev/null 2>&1 && [ -d ${quote(updates)} ]`, problem };
      },
    },
  },
};
