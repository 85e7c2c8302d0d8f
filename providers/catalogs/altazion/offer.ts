// What an Altazion server offers to install: per module, the latest version its update service has
// detected (status.xml, data). The installed versions are the site's (versionCommand, else the tracked
// or declared version). The releases a plan may use are every mix of installed and offered (one module
// updated, another not yet); "latest" in a target is the detected version. With the remedy option, a
// target the service has not detected yet is taken as on offer too: the run's first step for that
// module restarts the service and waits for it (bounded), as the document says.
import { AltazionOptions } from "./options";
import { readStatus, statusShapeOf } from "./status";
import { altazionScheme, moduleVersion } from "./rules";

export interface ModuleOffer {
  name: string;
  installed: string;
  /** The latest version the service has detected; "" when status.xml does not list the module. */
  available: string;
  /** The stack's target with "latest" resolved; undefined when the service has detected nothing. */
  target?: string;
}

/** Every module of the options with what is installed and what the service has detected. */
function moduleOffers(o: AltazionOptions, installed: Map<string, string>, detected: Map<string, string>): ModuleOffer[] {
  return o.modules.map((m) => {
    const available = detected.get(m.name) ?? "";
    const target = m.target === "latest" ? available || undefined : moduleVersion.normalize(m.target);
    return { name: m.name, installed: installed.get(m.name) ?? "", available, target };
  });
}

/** The preview lines: installed -> available -> target, per module. */
function offerLines(offers: ModuleOffer[]): string[] {
  return offers.map((m) =>
    m.available ? `${m.name}: installed ${m.installed} -> available ${m.available} -> target ${m.target}` : `${m.name}: not in the update service's status.xml`,
  );
}

/** Every mix of the choices, each module in the given order. */
function combinations(choices: [string, string[]][]): string[] {
  let out: [string, string][][] = [[]];
  for (const [name, versions] of choices) out = out.flatMap((prefix) => [...new Set(versions)].map((v) => [...prefix, [name, v] as [string, string]]));
  return out.map((entries) => altazionScheme.format(entries));
}

/** The releases between two server versions without a host to read (`upchain plan`): every mix of the two. */
export function mixesBetween(from: string, to: string): string[] {
  const after = new Map(altazionScheme.parse(to));
  return combinations(altazionScheme.parse(from).map(([m, v]) => [m, [v, after.get(m) ?? v]]));
}

export function readOffer(
  o: AltazionOptions,
  stdout: string,
  installedVersion: string,
  target: string,
): { releases: string[]; target: string; lines: string[] } | { problem: string } {
  const status = readStatus(stdout, statusShapeOf(o));
  if ("problem" in status) return { problem: `the update service's status.xml cannot be read: ${status.problem}` };
  const installedEntries = altazionScheme.parse(installedVersion);
  const installed = new Map(installedEntries);
  const unknown = o.modules.filter((m) => !installed.has(m.name)).map((m) => m.name);
  if (unknown.length) {
    return {
      problem: `the installed version (${installedVersion}) does not give ${unknown.join(", ")}: versionCommand (or current) must print every module of the server's modules, as module=version,module=version`,
    };
  }
  const offers = moduleOffers(o, installed, status.detected);
  const missing = offers.filter((m) => !m.available).map((m) => m.name);
  if (missing.length) {
    return {
      problem: `the update service's status.xml does not list ${missing.join(", ")}: the service only tracks the modules declared in applicationspath.config (see the check of that file)`,
    };
  }
  const declared = new Map(altazionScheme.parse(target));
  const same =
    declared.size === o.modules.length &&
    o.modules.every((m) => declared.get(m.name) === m.target || moduleVersion.normalize(declared.get(m.name) ?? "") === moduleVersion.normalize(m.target));
  if (!same) {
    const wanted = o.modules.map((m) => `${m.name}=${m.target}`).join(",");
    return {
      problem: `the target ${target} is not the modules' targets in options.modules (${wanted}): give each module's version (the components build both from one list)`,
    };
  }
  // « le service de mise à jour déploie automatiquement la nouvelle version »: the one it detected, never an older one
  const older = offers.filter((m) => m.target && moduleVersion.compare(m.target, m.installed) > 0 && moduleVersion.compare(m.target, m.available) < 0);
  if (older.length) {
    return {
      problem: older
        .map(
          (m) =>
            `${m.name}: the update service offers ${m.available}, newer than the target ${m.target}: its « Installer » button installs the version it detected, so ${m.target} cannot be installed; set the target to ${m.available} or latest`,
        )
        .join("; "),
    };
  }
  const byName = new Map(offers.map((m) => [m.name, m]));
  // the installed version's own order (the site's command prints the modules in name order): hops keep it
  const resolved = altazionScheme.format(installedEntries.map(([m, v]) => [m, byName.get(m)?.target ?? v]));
  const choices: [string, string[]][] = installedEntries.map(([m, v]) => {
    const offer = byName.get(m);
    if (!offer) return [m, [v]];
    const later = o.remedy && offer.target && moduleVersion.compare(offer.target, offer.available) > 0 ? [offer.target] : [];
    return [m, [v, offer.available, ...later]];
  });
  return { releases: combinations(choices), target: resolved, lines: offerLines(offers) };
}
