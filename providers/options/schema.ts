// zod building blocks for option schemas whose every refusal reads like advice: a wrong type says
// what was expected and what was given ("expected a list of absolute paths, got a string"), an
// unknown key suggests the near name, and a ZodError never reaches the user (see parse.ts).
import { z } from "zod";
import { unknownKeyMessage } from "./keys";

/** What a value is, in words, for "got ..." (never the value itself: it may be a secret). */
function describeInput(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "string") return "a string";
  if (typeof input === "number") return "a number";
  if (typeof input === "boolean") return "true or false";
  if (typeof input === "object") return "an object";
  return `a ${typeof input}`;
}

/** The error parameter of a zod type: a wrong or missing value reads "expected <what>, got <kind>". */
export function expecting(what: string) {
  return {
    error: (iss: { code?: string; input?: unknown }) =>
      iss.code === "invalid_type" ? (iss.input === undefined ? `is required: give ${what}` : `expected ${what}, got ${describeInput(iss.input)}`) : undefined,
  };
}

/**
 * A strict object: an unknown key is refused, naming the near legal key. zod reports all unknown keys
 * of one object in one issue; its message holds one line per key, in the order of `keys`, which
 * parse.ts splits back into one problem per key.
 */
export function strictOptions<S extends z.ZodRawShape>(shape: S, what: string) {
  const legal = Object.keys(shape);
  const wrongType = expecting(what).error;
  return z.strictObject(shape, {
    error: (iss: { code?: string; input?: unknown; keys?: string[] }) =>
      iss.code === "unrecognized_keys" ? (iss.keys ?? []).map((k) => unknownKeyMessage(k, legal)).join("\n") : wrongType(iss),
  });
}

/** Non-empty text, trimmed. */
export const text = (what: string) => z.string(expecting(what)).trim().min(1, `is empty: give ${what}`);

/**
 * A site's own command, run as written (trimmed). A NUL byte is refused: no shell runs it as given
 * (dash drops it from the script, bash refuses the file, PowerShell cuts the string there).
 */
export const command = (what: string) =>
  text(what).superRefine((value, ctx) => {
    const at = value.indexOf("\0");
    if (at >= 0)
      ctx.addIssue({ code: "custom", message: `holds a NUL byte (at position ${at + 1}), which no shell can run as written: remove it and give ${what}` });
  });
export const flag = () => z.boolean(expecting("true or false"));
