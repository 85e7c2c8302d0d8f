// Options are parsed in one place so that every caller (preview's checks, the version probe, the
// steps) gets the same answer: either the options, or one UpchainError("INVALID_INPUT") that lists
// every problem with its `options.`-prefixed path. A raw ZodError never reaches the user.
import { z } from "zod";
import { OptionProblem, fieldPath, optionsError } from "./problems";

/** zod's issues as problems under `prefix`; an unknown-keys issue becomes one problem per key. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = ["options"]): OptionProblem[] {
  return issues.flatMap((i) => {
    const at = [...prefix, ...i.path];
    if (i.code === "unrecognized_keys") {
      const lines = i.message.split("\n");
      return i.keys.map((k, n) => ({ path: fieldPath([...at, k]), message: lines[n] ?? lines[0] }));
    }
    return [{ path: fieldPath(at), message: i.message }];
  });
}

export interface Checked<T> {
  /** The options when the schema accepted them. */
  options?: T;
  /** Every top-level field that is valid by itself (all of them when `options` is set). */
  fields: Partial<T>;
  /** The top-level fields that are not valid by themselves. */
  failed: ReadonlySet<string>;
  problems: OptionProblem[];
}

/**
 * Parse `raw` with `schema` and run `rules` (checks across fields), told which fields failed. Each
 * top-level field is also parsed alone, so the rules see every field that is valid even when another
 * is not, and all problems come back in one round.
 */
export function checkOptions<T extends Record<string, unknown>>(
  schema: z.ZodObject,
  raw: unknown,
  rules: (fields: Partial<T>, failed: ReadonlySet<string>) => OptionProblem[],
): Checked<T> {
  const parsed = schema.safeParse(raw);
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues);
  if (parsed.success) return { options: parsed.data as T, fields: parsed.data as T, failed: new Set(), problems: rules(parsed.data as T, new Set()) };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { fields: {}, failed: new Set(Object.keys(schema.shape)), problems };
  const fields: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [key, field] of Object.entries(schema.shape)) {
    const one = (field as z.ZodType).safeParse((raw as Record<string, unknown>)[key]);
    if (one.success) fields[key] = one.data;
    else failed.add(key);
  }
  return { fields: fields as Partial<T>, failed, problems: [...problems, ...rules(fields as Partial<T>, failed)] };
}

/** The options, or an INVALID_INPUT error listing every problem. */
export function parseOptions<T extends Record<string, unknown>>(
  schema: z.ZodObject,
  raw: unknown,
  rules: (fields: Partial<T>, failed: ReadonlySet<string>) => OptionProblem[],
): T {
  const c = checkOptions<T>(schema, raw, rules);
  if (c.problems.length || !c.options) throw optionsError(c.problems.length ? c.problems : [{ path: "options", message: "could not be read" }]);
  return c.options;
}
