// Idempotent file edits, the way Ansible's lineinfile works: a pure function from the file's text
// to { changed, before, after }. Writing (backup, temp file, validate, rename) is the executor's job
// and happens only when something changed.

export interface EditResult {
  changed: boolean;
  before: string;
  after: string;
}

export function result(before: string, after: string): EditResult {
  return { changed: before !== after, before, after };
}

/**
 * Point every `LoadModule wsgi_module <path>` line at `modulePath`, keeping indentation and any
 * trailing comment; when the file has no such line, add one at the top (Apache must load the module
 * before a WSGI directive uses it).
 */
export function setWsgiModulePath(text: string, modulePath: string): EditResult {
  if (/\s/.test(modulePath) && !modulePath.startsWith('"')) modulePath = `"${modulePath}"`;
  const re = /^(\s*LoadModule\s+wsgi_module\s+)(\S+|"[^"]*")(.*)$/gm;
  if (re.test(text)) return result(text, text.replace(re, (_m, head: string, _old: string, tail: string) => `${head}${modulePath}${tail}`));
  return result(text, `LoadModule wsgi_module ${modulePath}\n${text}`);
}

/** The named edits a catalog step may ask for (`edit: "<name>"`). */
export const namedEdits: Record<string, (text: string, value: string) => EditResult> = {
  "wsgi-module": setWsgiModulePath,
};
