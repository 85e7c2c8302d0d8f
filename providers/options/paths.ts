// Paths on the managed server, checked before anything runs. A step removes, archives and extracts
// these paths, so anything that is not one plain absolute path is refused: "" and "." are the step's
// own folder, "/" and "C:\" the whole disk, "/opt/x/.." another folder than it reads, and a newline
// or NUL cuts a command or a file list in two.
import * as path from "path";
import { z } from "zod";
import { Platform } from "../engine/planning/catalog";
import { expecting } from "./schema";

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0" };
const escapeControl = (c: string) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** A path in quotes as the user typed it, with control characters written as escapes (never raw). */
export function shown(p: string): string {
  return `"${p.replace(new RegExp(CONTROL.source, "g"), escapeControl)}"`;
}

function controlProblem(p: string): string | undefined {
  const at = p.search(CONTROL);
  if (at < 0) return undefined;
  return `${shown(p)} holds a control character (${shown(p[at])} at position ${at + 1}); a path may not hold NUL, newlines or other control characters`;
}

/** Why `p` is not a plain absolute POSIX path, or undefined when it is one. */
export function posixPathProblem(p: string, example = "/opt/omflow"): string | undefined {
  if (p === "") return `is empty: give an absolute path, like ${example}`;
  const control = controlProblem(p);
  if (control) return control;
  if (!p.startsWith("/")) return `${shown(p)} is not absolute: give the full path from /, like ${example}`;
  const normal = path.posix.normalize(p).replace(/(.)\/+$/, "$1");
  if (normal === "/") return `${shown(p)} is the root folder /: give a folder of its own, like ${example}`;
  if (normal !== p) return `${shown(p)} is not normalised (no "." or ".." segments, no "//", no trailing "/"): write ${shown(normal)}`;
  return undefined;
}

const WINDOWS_RESERVED = /[<>:"/|?*]/;
const VARIABLE = /^%[A-Za-z_][A-Za-z0-9_()]*%/;

/**
 * Why `p` is not a plain drive-absolute Windows path (`C:\...`, backslashes, not a drive root), or
 * undefined. With `variable`, a path may start with one environment variable instead of a drive
 * (`%SystemRoot%\System32\...`), expanded on the host.
 */
export function windowsPathProblem(p: string, example = "C:\\Program Files\\OMFLOW Server", variable = false): string | undefined {
  if (p === "") return `is empty: give a full path with its drive, like ${example}`;
  const control = controlProblem(p);
  if (control) return control;
  if (/^[A-Za-z]:/.test(p) && p.includes("/")) return `${shown(p)} uses "/": write Windows paths with backslashes, ${shown(p.replace(/\//g, "\\"))}`;
  let head = /^[A-Za-z]:\\/.exec(p)?.[0];
  const v = variable ? VARIABLE.exec(p) : null;
  if (!head && v && p.charAt(v[0].length) === "\\") head = v[0] + "\\";
  if (!head) {
    const forms = variable ? `a drive (like ${example}) or an environment variable (like %SystemRoot%\\System32)` : `its drive, like ${example}`;
    return `${shown(p)} is not a full Windows path: start it with ${forms}`;
  }
  const rest = p.slice(head.length);
  if (rest === "") return `${shown(p)} is a drive root: give a folder of its own, like ${example}`;
  const segments = rest.split("\\");
  const bad = segments.find((s) => s === "" || s === "." || s === ".." || s.endsWith(" ") || s.endsWith(".") || WINDOWS_RESERVED.test(s));
  if (bad !== undefined) {
    return `${shown(p)} is not normalised (no empty, "." or ".." segments, no trailing "\\", no segment ending in a space or a dot, none of < > : " | ? *): give the folder's plain full path, like ${example}`;
  }
  return undefined;
}

export function pathProblem(p: string, platform: Platform, example?: string, variable = false): string | undefined {
  return platform === "windows" ? windowsPathProblem(p, example, variable) : posixPathProblem(p, example);
}

// Folders of the system itself. A restore removes (or mirrors over) the paths it puts back, so one of
// these as an install folder or a database path would take the system down with it.
const POSIX_SYSTEM = new Set(
  [
    "bin",
    "boot",
    "dev",
    "etc",
    "home",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "media",
    "mnt",
    "opt",
    "proc",
    "root",
    "run",
    "sbin",
    "srv",
    "sys",
    "tmp",
    "usr",
    "var",
  ]
    .map((d) => `/${d}`)
    .concat(["/usr/bin", "/usr/lib", "/usr/local", "/usr/sbin", "/usr/share", "/var/lib", "/var/log", "/var/opt", "/var/backups", "/var/tmp"]),
);
const WINDOWS_SYSTEM = /^[A-Za-z]:\\(windows(\\system32)?|program files|program files \(x86\)|programdata|users)$/i;

/** Why `p` may not be a path the restore removes: it is one of the system's own folders. */
export function systemFolderProblem(p: string, platform: Platform, example?: string): string | undefined {
  const system = platform === "windows" ? WINDOWS_SYSTEM.test(p) : POSIX_SYSTEM.has(p);
  return system
    ? `${shown(p)} is a folder of the system itself, and the restore removes this path before it puts it back: give the product's own folder${example ? `, like ${example}` : ""}`
    : undefined;
}

/**
 * A zod schema for an absolute path on a server of `platform`; the refusal says what is legal. With
 * `removedByRestore`, a system folder (/usr, C:\Windows, ...) is refused too.
 */
export function absolutePath(platform: Platform, example?: string, o: { variable?: boolean; removedByRestore?: boolean } = {}) {
  const what = platform === "windows" ? "a full Windows path (C:\\...)" : "an absolute path";
  return z.string(expecting(what)).superRefine((value, ctx) => {
    const problem = pathProblem(value, platform, example, o.variable) ?? (o.removedByRestore ? systemFolderProblem(value, platform, example) : undefined);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A list of absolute paths, at least one. */
export function absolutePaths(platform: Platform, example?: string, o: { removedByRestore?: boolean } = {}) {
  return z.array(absolutePath(platform, example, o), expecting("a list of absolute paths")).min(1, "is empty: give at least one path");
}

/** True when `inner` is `outer` or lies inside it (Windows compares without case). Both must be valid paths. */
export function isSameOrInside(inner: string, outer: string, platform: Platform): boolean {
  const sep = platform === "windows" ? "\\" : "/";
  const norm = (p: string) => (platform === "windows" ? p.toLowerCase() : p);
  const a = norm(inner);
  const b = norm(outer);
  return a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
}
