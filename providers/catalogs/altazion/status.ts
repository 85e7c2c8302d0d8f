// The update service's own files, read as data (they come from the host): status.xml, where the
// service writes each module's installed and latest detected version, and applicationspath.config,
// which declares the modules running on the server. Their format is not documented; ASSUMED (and
// what the test fixture writes): `<module name= installed= available= automatic=/>` elements and
// `<application name= path=/>` elements. Anything else in them is ignored; a value that is not a
// module name or a version is refused, never used.
import { MODULES, moduleVersion } from "./rules";

export interface ModuleStatus {
  installed: string;
  available: string;
  /** False when the service cannot install the module itself (a customised database). */
  automatic: boolean;
}

export interface ServiceStatus {
  /** When the service last detected versions, as it wrote it (shown, never interpreted). */
  detected?: string;
  modules: Map<string, ModuleStatus>;
}

const attributes = (tag: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*"([^"<>]*)"/g)) out.set(m[1], m[2]);
  return out;
};
const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** status.xml as data; a problem when it holds no readable module. */
export function readStatus(xml: string): ServiceStatus | { problem: string } {
  const modules = new Map<string, ModuleStatus>();
  const root = /<status\b([^>]*)>/.exec(xml);
  for (const m of xml.matchAll(/<module\b([^>]*?)\/?>/g)) {
    const a = attributes(m[1]);
    const name = a.get("name") ?? "";
    if (!(MODULES as readonly string[]).includes(name)) continue;
    const installed = moduleVersion.normalize(a.get("installed") ?? "");
    const available = moduleVersion.normalize(a.get("available") ?? a.get("installed") ?? "");
    if (!installed || !available) return { problem: `status.xml gives ${name} a version that is not one (${JSON.stringify((a.get("installed") ?? "").slice(0, 40))}, ${JSON.stringify((a.get("available") ?? "").slice(0, 40))})` };
    modules.set(name, { installed, available, automatic: a.get("automatic") !== "false" });
  }
  if (!root) return { problem: "status.xml has no <status> element: the update service has not written it (yet)" };
  const detected = root ? attributes(root[1]).get("detected") : undefined;
  return { detected: detected?.replace(/[^\x20-\x7e]/g, "?").slice(0, 40), modules };
}

/** The applications declared in applicationspath.config: module name -> path (as written, decoded). */
export function readApplications(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<application\b([^>]*?)\/?>/g)) {
    const a = attributes(m[1]);
    const name = a.get("name") ?? "";
    if ((MODULES as readonly string[]).includes(name)) out.set(name, decode(a.get("path") ?? ""));
  }
  return out;
}
