// Idempotent file edits, the way Ansible's lineinfile works: a pure function from the file's text
// to { changed, before, after }. Writing (backup, temp file, validate, rename) is the executor's job
// and happens only when something changed.
import { UpchainError } from "../errors";

export interface EditResult {
  changed: boolean;
  before: string;
  after: string;
}

/** What every edit returns: the new text, or why the file cannot be edited (read from the host, so data, not a fault). */
export type EditOutcome = EditResult | { error: string };

export function result(before: string, after: string): EditResult {
  return { changed: before !== after, before, after };
}

/**
 * One argument of an Apache directive as Apache reads it (ap_getword_conf): a word ends at white
 * space; a "double" or 'single' quoted one may hold spaces, and inside it \" (or \') and \\ stand for
 * the character itself. An unclosed quote runs to the end of the line.
 */
const apacheArgument = /"(?:\\[^\r\n]|[^"\\\r\n])*"?|'(?:\\[^\r\n]|[^'\\\r\n])*'?|[^\s"'][^\s]*/;

/** The value an Apache argument stands for (what ap_getword_conf returns for it). */
export function readApacheArgument(word: string): string {
  const q = word[0];
  const quoted = q === '"' || q === "'";
  let out = "";
  for (let i = quoted ? 1 : 0; i < word.length; i++) {
    const c = word[i];
    if (quoted && c === q) break;
    if (c === "\\" && (word[i + 1] === "\\" || (quoted && word[i + 1] === q))) {
      out += word[++i];
      continue;
    }
    out += c;
  }
  return out;
}

/** Why `value` cannot be one Apache argument, or undefined. */
function apacheArgumentProblem(value: string, field: string): string | undefined {
  if (value === "" || /[\r\n\0]/.test(value)) {
    return `${field} ${JSON.stringify(value)} cannot be written in an Apache configuration line: give a non-empty path without line breaks or NUL`;
  }
  return undefined;
}

/** Write a value as one Apache argument: bare when it can be, else double-quoted with \ and " escaped. */
export function apacheArgumentFor(value: string, field = "the wsgi module path"): string {
  const problem = apacheArgumentProblem(value, field);
  if (problem) throw new UpchainError("INVALID_INPUT", problem);
  if (/^[^\s"'\\]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

/**
 * Point every `LoadModule wsgi_module <path>` line at `modulePath` (given as the path itself, not
 * quoted), keeping indentation and any trailing comment; when the file has no such line, add one at
 * the top (Apache must load the module before a WSGI directive uses it). A line that already names
 * the path, however it is quoted, is left as it is. A path that cannot be one Apache argument (the
 * host printed it) is an error, not an edit.
 */
export function setWsgiModulePath(text: string, modulePath: string): EditOutcome {
  const problem = apacheArgumentProblem(modulePath, "the wsgi module path");
  if (problem) return { error: problem };
  const written = apacheArgumentFor(modulePath);
  const re = new RegExp(`^([ \\t]*LoadModule[ \\t]+wsgi_module[ \\t]+)(${apacheArgument.source})(.*)$`, "gim");
  let found = false;
  const after = text.replace(re, (line: string, head: string, old: string, tail: string) => {
    found = true;
    return readApacheArgument(old) === modulePath ? line : `${head}${written}${tail}`;
  });
  return result(text, found ? after : `LoadModule wsgi_module ${written}\n${text}`);
}
