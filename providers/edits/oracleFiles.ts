// Idempotent edits of Oracle AS files (see edit.ts for how they are written): which homes start at
// boot (oratab), the Upgrade Assistant's OC4J heap (Oc4jPlugin.cfg) and the Reports server name the
// Upgrade Assistant leaves renamed in targets.xml. Pure text in, { changed, before, after } out.
import { EditOutcome, result } from "./edit";

/** The home that starts at boot from now on, and the one that no longer does. */
export interface StartAtBoot {
  on: string;
  off: string;
}

const oratabLine = /^([^:#\s][^:]*):([^:]*):([YN])(.*)$/;

/**
 * Flag `on` Y and `off` N in an oratab (`SID:HOME:Y|N`), adding `*:on:Y` when no line names it.
 * Comments and other homes' lines are kept as they are.
 */
export function setStartAtBoot(text: string, want: StartAtBoot): EditOutcome {
  if (!want.on || !want.off) return { error: "the start-at-boot edit needs { on, off } homes" };
  let sawOn = false;
  const lines = text.split("\n");
  const out = lines.map((line) => {
    const m = oratabLine.exec(line);
    if (!m) return line;
    const [, sid, home, , rest] = m;
    if (home === want.on) return ((sawOn = true), `${sid}:${home}:Y${rest}`);
    if (home === want.off) return `${sid}:${home}:N${rest}`;
    return line;
  });
  let after = out.join("\n");
  if (!sawOn) after = (after === "" || after.endsWith("\n") ? after : after + "\n") + `*:${want.on}:Y\n`;
  return result(text, after);
}

/**
 * Set the maximum heap of the Upgrade Assistant's OC4J JVM (`<JVMproperties property="-Xmx512m"/>`
 * inside `<JavaVM>`, the document's example 4-1) to `size`, adding the property when it is missing.
 */
export function setJvmMaxHeap(text: string, size: string): EditOutcome {
  if (!/^[1-9][0-9]{0,5}[mMgG]$/.test(size)) return { error: `"${size}" is not a heap size like 1024m` };
  const prop = /(<JVMproperties\s+property\s*=\s*")-Xmx[0-9]+[kKmMgG]?("\s*\/>)/g;
  if (prop.test(text)) return result(text, text.replace(prop, `$1-Xmx${size}$2`));
  const open = /<JavaVM\s*>/.exec(text);
  if (!open) return { error: "Oc4jPlugin.cfg has no <JavaVM> element to hold the heap setting" };
  const at = open.index + open[0].length;
  return result(text, `${text.slice(0, at)} <JVMproperties property="-Xmx${size}"/>${text.slice(at)}`);
}

/** A Reports server name as Reports writes it; anything else read from the host is refused, not written. */
const REPORTS_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * After the Upgrade Assistant, each `oracle_repserv` target in targets.xml carries the name the
 * installer gave the new server (`rep_<host>_<home>`); the document says to put the original name
 * (rwservlet.properties' server=) back in every place that target shows it. `original` empty: Reports
 * is not configured, nothing to do.
 */
export function setReportsServerName(text: string, original: string): EditOutcome {
  if (original === "") return result(text, text);
  if (!REPORTS_NAME.test(original))
    return { error: "the Reports server name read from rwservlet.properties is not a plain name (letters, digits, '_', '.', '-'); fix that file on the host" };
  const target = /<Target\b[^>]*TYPE="oracle_repserv"[\s\S]*?<\/Target>/g;
  let error: string | undefined;
  const after = text.replace(target, (block) => {
    const internal = /<Property\s+NAME="IASInternalName"\s+VALUE="([^"]*)"/.exec(block)?.[1];
    if (internal === undefined) return block;
    if (!REPORTS_NAME.test(internal)) {
      error = "an oracle_repserv target's IASInternalName is not a plain name; fix targets.xml by hand";
      return block;
    }
    return block.split(internal).join(original);
  });
  return error ? { error } : result(text, after);
}
