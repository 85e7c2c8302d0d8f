// Local files a plan uploads (patches, the offline bundle, installer packages), checked on this
// machine at preview: a missing or unreadable one would otherwise be found only mid-hop, after the
// server was stopped and its old environment removed.
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { shown } from "./paths";
import { OptionProblem } from "./problems";
import { expecting } from "./schema";

export type LocalKind = "file" | "folder" | "file or folder";

/**
 * A path on the machine that runs pulumi: absolute (a relative one depends on where the provider
 * runs), one line. Either convention is accepted, since that machine may run Windows; whether the
 * file is there is checked at preview (localPathProblems).
 */
export function localPath() {
  return z.string(expecting("the absolute path of a file on this machine")).superRefine((value, ctx) => {
    const windows = /^[A-Za-z]:\\/.test(value);
    if (value === "" || /[\u0000-\u001f\u007f]/.test(value) || !(path.posix.isAbsolute(value) || windows)) {
      ctx.addIssue({
        code: "custom",
        message: `${shown(value)} is not an absolute path on this machine (the one running pulumi): give its full path, like /srv/omflow/omflow_patch_1_2_0_1.tar.gz`,
      });
    } else if (isRoot(value, windows)) {
      // preview would read the whole disk to check it, and an upload would copy it
      ctx.addIssue({
        code: "custom",
        message: `${shown(value)} is the root folder of this machine (the one running pulumi): give the file or folder itself, like /srv/omflow/bundle`,
      });
    }
  });
}

/** "/", "/..", "//", "C:\\", "C:\\.." : paths that resolve to a whole disk. */
function isRoot(p: string, windows: boolean): boolean {
  const resolved = windows ? path.win32.resolve(p) : path.posix.resolve(p);
  return resolved === (windows ? path.win32.parse(resolved).root : "/");
}

const MAX_LISTED = 5;

/** Problems with the local `p` named by `field`: missing, of the wrong kind, or (anything in it) unreadable. */
export function localPathProblems(field: string, p: string, kind: LocalKind): OptionProblem[] {
  const here = "on this machine (the one running pulumi)";
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [
      { path: field, message: code === "ENOENT" || code === "ENOTDIR" ? `${shown(p)} does not exist ${here}` : `${shown(p)} cannot be read ${here} (${code})` },
    ];
  }
  if (kind === "file" && !st.isFile()) return [{ path: field, message: `${shown(p)} is ${st.isDirectory() ? "a folder" : "not a regular file"}; give a file` }];
  if (kind === "folder" && !st.isDirectory()) return [{ path: field, message: `${shown(p)} is not a folder; give the folder` }];
  const unreadable = st.isDirectory() ? unreadableIn(p) : readable(p, st) ? [] : [p];
  if (!unreadable.length) return [];
  const listed = unreadable.slice(0, MAX_LISTED).map(shown).join(", ") + (unreadable.length > MAX_LISTED ? ` and ${unreadable.length - MAX_LISTED} more` : "");
  return [{ path: field, message: `cannot be read ${here} by the user running pulumi: ${listed}` }];
}

function readable(p: string, st: fs.Stats): boolean {
  try {
    fs.accessSync(p, st.isDirectory() ? fs.constants.R_OK | fs.constants.X_OK : fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Everything under `dir` (itself included) that cannot be read, or that is not a file or folder. */
function unreadableIn(dir: string): string[] {
  if (!readable(dir, fs.statSync(dir))) return [dir];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    // access() can grant what readdir still refuses (root and /proc/<pid>/map_files): unreadable all the same
    return [dir];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...unreadableIn(p));
    else {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(p);
      } catch {
        st = undefined; // a dangling link: the upload could not read it either
      }
      if (!st || !st.isFile() || !readable(p, st)) out.push(p);
    }
  }
  return out;
}
