// The update service's own files, read as data (they come from the host). status.xml: 003 says it
// holds « la dernière version détectée par le module » (the latest version the service has
// detected), and that is all upchain reads from it: what is on offer. The installed versions are the
// site's (the server's versionCommand), never read here. applicationspath.config « contient des noeuds
// XML correspondant aux services qui s'exécutent sur le serveur ». 003 gives neither file's format:
// the site describes each (options.statusFile, options.applicationsFile: the element naming a module
// and its attributes), and nothing else is assumed. Each file is refused over FILE_CAP_BYTES, parsed
// in one linear pass (xmlScan.ts); a value that is not a module name or a version is refused, never
// changed or used.
import { sitePlaceholder } from "../../engine/planning/provenance";
import type { AltazionOptions } from "./options";
import { MODULES, moduleVersion } from "./rules";
import { startTags } from "./xmlScan";

/** The site's description of status.xml: the element per module, the attribute naming the module, the one holding its latest detected version. */
export interface StatusFileShape {
  element: string;
  moduleAttribute: string;
  versionAttribute: string;
}
/** The site's description of applicationspath.config: the element per application, the attribute naming the module, the one holding its path. */
export interface ApplicationsFileShape {
  element: string;
  moduleAttribute: string;
  pathAttribute: string;
}

/**
 * The largest file read (either of the two). A server's files hold a node per module, a few hundred
 * bytes; far past that is not the service's file, and reading it would only cost the controller.
 */
export const FILE_CAP_BYTES = 256 * 1024;
/** What a host's capped read prints instead of a file over the cap: this, then the file's size in bytes. */
export const OVER_CAP = "upchain: file over the cap, bytes:";

/** The site's shapes, each field a placeholder until the site gives it (`upchain plan` without options). */
export const statusShapeOf = (o: Pick<AltazionOptions, "statusFile">): StatusFileShape =>
  o.statusFile ?? {
    element: sitePlaceholder("options.statusFile.element"),
    moduleAttribute: sitePlaceholder("options.statusFile.moduleAttribute"),
    versionAttribute: sitePlaceholder("options.statusFile.versionAttribute"),
  };
export const applicationsShapeOf = (o: Pick<AltazionOptions, "applicationsFile">): ApplicationsFileShape =>
  o.applicationsFile ?? {
    element: sitePlaceholder("options.applicationsFile.element"),
    moduleAttribute: sitePlaceholder("options.applicationsFile.moduleAttribute"),
    pathAttribute: sitePlaceholder("options.applicationsFile.pathAttribute"),
  };

const shownValue = (s: string) => JSON.stringify(s.replace(/[^\x20-\x7e]/g, "?").slice(0, 40));

/**
 * A version as status.xml must write it: 2 to 4 numbers of at most 9 digits, no leading zero, nothing
 * around (no space, no line end). Anything else is refused rather than rounded or trimmed into
 * another version (99999999999999999999.1.1.1 is not 100000000000000000000.1.1.1).
 */
export const STRICT_VERSION = /^(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})){1,3}$/;
/** The version, written with 4 numbers; undefined when it is not one as STRICT_VERSION says. */
const strictVersion = (text: string): string | undefined => (STRICT_VERSION.test(text) ? moduleVersion.normalize(text) : undefined);

/** The file's text, or why it is not read: over the cap (as the host's capped read said, or by its own length). */
function withinCap(file: string, text: string): { text: string } | { problem: string } {
  const said = text.startsWith(OVER_CAP) ? /^\s*(\d{1,15})\s*$/.exec(text.slice(OVER_CAP.length))?.[1] : undefined;
  const size = said !== undefined ? Number(said) : Buffer.byteLength(text, "utf8");
  if (said !== undefined || size > FILE_CAP_BYTES) {
    return {
      problem: `${file} is ${size} bytes, over upchain's cap of ${FILE_CAP_BYTES} bytes (a node per module takes a few hundred): it is not read; look at what filled it`,
    };
  }
  return { text };
}

/** Per module, the first element's attributes that names it (elements naming no module of 003 are not looked at). */
function byModule(file: string, xml: string, element: string, moduleAttribute: string): { found: Map<string, Map<string, string>> } | { problem: string } {
  const capped = withinCap(file, xml);
  if ("problem" in capped) return capped;
  const scan = startTags(capped.text, element);
  if ("problem" in scan) return { problem: `${file} is not XML upchain reads: ${scan.problem}` };
  const found = new Map<string, Map<string, string>>();
  for (const a of scan.tags) {
    const name = a.get(moduleAttribute) ?? "";
    if ((MODULES as readonly string[]).includes(name) && !found.has(name)) found.set(name, a);
  }
  return { found };
}

export interface ServiceStatus {
  /** Per module, the latest version the service has detected. */
  detected: Map<string, string>;
}

/** status.xml as data, read as the site describes it: the latest detected version of each module it lists; a problem when a version is not one. */
/** Why a file is not read; `field` when the site's description of it is the likely cause. */
export interface FileProblem {
  problem: string;
  field?: string;
}

export function readStatus(xml: string, shape: StatusFileShape): ServiceStatus | FileProblem {
  const read = byModule("status.xml", xml, shape.element, shape.moduleAttribute);
  if ("problem" in read) return read;
  const detected = new Map<string, string>();
  for (const [name, a] of read.found) {
    const text = a.get(shape.versionAttribute);
    const available = text === undefined ? undefined : strictVersion(text);
    if (!available) {
      return {
        ...(text === undefined ? { field: "options.statusFile.versionAttribute" } : {}),
        problem:
          text === undefined
            ? `status.xml's <${shape.element}> for ${name} has no ${shape.versionAttribute} attribute (options.statusFile.versionAttribute): give the attribute that holds the latest detected version, as the server's file has it`
            : `status.xml gives ${name} a latest detected version that is not one (${shownValue(text)}): 2 to 4 numbers of at most 9 digits, like 5.2.0.0, nothing around them`,
      };
    }
    detected.set(name, available);
  }
  if (!detected.size) {
    return {
      field: "options.statusFile",
      problem: `status.xml has no <${shape.element}> element whose ${shape.moduleAttribute} attribute names a module: the update service has not written it (yet), or options.statusFile does not describe it as the server's file has it (the element and attribute names, case included)`,
    };
  }
  return { detected };
}

/** The applications declared in applicationspath.config, read as the site describes it: module name -> path (decoded). */
export function readApplications(xml: string, shape: ApplicationsFileShape): { declared: Map<string, string> } | FileProblem {
  const read = byModule("applicationspath.config", xml, shape.element, shape.moduleAttribute);
  if ("problem" in read) return read;
  const declared = new Map<string, string>();
  for (const [name, a] of read.found) {
    const path = a.get(shape.pathAttribute);
    if (path === undefined) {
      return {
        field: "options.applicationsFile.pathAttribute",
        problem: `applicationspath.config's <${shape.element}> for ${name} has no ${shape.pathAttribute} attribute (options.applicationsFile.pathAttribute): give the attribute that holds the module's path, as the server's file has it`,
      };
    }
    declared.set(name, path);
  }
  return { declared };
}
