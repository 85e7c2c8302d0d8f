// What an Altazion server offers to install, read from its update service's status.xml (data): each
// module's installed and latest detected version. The releases a plan may use are every mix of them
// (one module updated, another not yet); "latest" in a target is the detected version. With the
// remedy option, a target the service has not detected yet is taken as on offer too: the run's first
// step for that module restarts the service and waits for it (bounded), as the document says.
import { AltazionOptions } from "./options";
import { ServiceStatus, readStatus } from "./status";
import { altazionScheme, moduleVersion } from "./rules";

export interface ModuleOffer {
  name: string;
  installed: string;
  available: string;
  /** The stack's target with "latest" resolved; undefined when the status file does not list the module. */
  target?: string;
}

/** Every module of the options with what the service says of it. */
export function moduleOffers(o: AltazionOptions, status: ServiceStatus): ModuleOffer[] {
  return o.modules.map((m) => {
    const s = status.modules.get(m.name);
    if (!s) return { name: m.name, installed: "", available: "" };
    const target = m.target === "latest" ? s.available : moduleVersion.normalize(m.target);
    return { name: m.name, installed: s.installed, available: s.available, target };
  });
}

/** The preview lines: installed -> available -> target, per module. */
export function offerLines(offers: ModuleOffer[]): string[] {
  return offers.map((m) => (m.installed ? `${m.name}: installed ${m.installed} -> available ${m.available} -> target ${m.target}` : `${m.name}: not in the update service's status.xml`));
}

function combinations(choices: [string, string[]][]): string[] {
  let out: [string, string][][] = [[]];
  for (const [name, versions] of choices) out = out.flatMap((prefix) => [...new Set(versions)].map((v) => [...prefix, [name, v] as [string, string]]));
  return out.map((entries) => altazionScheme.format(entries));
}

export function readOffer(o: AltazionOptions, stdout: string, target: string): { releases: string[]; target: string; lines: string[] } | { problem: string } {
  const status = readStatus(stdout);
  if ("problem" in status) return { problem: `the update service's status.xml cannot be read: ${status.problem}` };
  const offers = moduleOffers(o, status);
  const missing = offers.filter((m) => !m.installed).map((m) => m.name);
  if (missing.length) {
    return { problem: `the update service's status.xml does not list ${missing.join(", ")}: the service only tracks the modules declared in applicationspath.config (see the check of that file)` };
  }
  const declared = altazionScheme.parse(target);
  const same = declared.length === o.modules.length && declared.every(([m, v], i) => m === o.modules[i].name && (v === o.modules[i].target || moduleVersion.normalize(v) === moduleVersion.normalize(o.modules[i].target)));
  if (!same) {
    const wanted = o.modules.map((m) => `${m.name}=${m.target}`).join(",");
    return { problem: `the target ${target} is not the modules' targets in options.modules (${wanted}): give each module's version, in the same order (the components build both from one list)` };
  }
  const resolved = altazionScheme.format(offers.map((m) => [m.name, m.target ?? m.installed]));
  const choices: [string, string[]][] = offers.map((m) => {
    const later = o.remedy && m.target && moduleVersion.compare(m.target, m.available) > 0 ? [m.target] : [];
    return [m.name, [m.installed, m.available, ...later]];
  });
  return { releases: combinations(choices), target: resolved, lines: offerLines(offers) };
}

/** The installed versions of the options' modules, in their order; undefined when status.xml lacks one. */
export function installedFrom(o: AltazionOptions, stdout: string): string | undefined {
  const status = readStatus(stdout);
  if ("problem" in status) return undefined;
  const entries: [string, string][] = [];
  for (const m of o.modules) {
    const s = status.modules.get(m.name);
    if (!s) return undefined;
    entries.push([m.name, s.installed]);
  }
  return altazionScheme.format(entries);
}
