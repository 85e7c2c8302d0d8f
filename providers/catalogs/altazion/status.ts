// The update service's own files, read as data (they come from the host). status.xml: 003 says it
// holds « la dernière version détectée par le module » (the latest version the service has
// detected), and that is all upchain reads from it: what is on offer. The installed versions are the
// site's (the server's versionCommand), never read here. applicationspath.config « contient des noeuds
// XML correspondant aux services qui s'exécutent sur le serveur ». Neither file's format is documented:
// read here (and written so by the test fixture) as `<module name="..." lastDetectedVersion="..."/>` and
// `<application name="..." path="..."/>` elements. Anything else is ignored; a value that is not a
// module name or a version is refused, never used.
import { MODULES, moduleVersion } from "./rules";

export interface ServiceStatus {
  /** Per module, the latest version the service has detected. */
  detected: Map<string, string>;
}

const attributes = (tag: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*"([^"<>]*)"/g)) out.set(m[1], m[2]);
  return out;
};
const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const shownValue = (s: string) => JSON.stringify(s.replace(/[^\x20-\x7e]/g, "?").slice(0, 40));

/** status.xml as data: the latest detected version of each module it lists; a problem when a version is not one. */
export function readStatus(xml: string): ServiceStatus | { problem: string } {
  const detected = new Map<string, string>();
  for (const m of xml.matchAll(/<module\b([^>]*?)\/?>/g)) {
    const a = attributes(m[1]);
    const name = a.get("name") ?? "";
    if (!(MODULES as readonly string[]).includes(name)) continue;
    const available = moduleVersion.normalize(a.get("lastDetectedVersion") ?? "");
    if (!available) return { problem: `status.xml gives ${name} a latest detected version that is not one (${shownValue(a.get("lastDetectedVersion") ?? "")})` };
    detected.set(name, available);
  }
  if (!detected.size) return { problem: "status.xml lists no module the service has detected a version of: the update service has not written it (yet)" };
  return { detected };
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
