// The shape every option check reports in (the catalogs' `preflight` contract): a field path as the
// user wrote it in the stack (`options.databasePaths[1]`) and what is wrong with it and what is legal.
import { UpchainError } from "../errors";

export interface OptionProblem {
  path: string;
  message: string;
}

/** `["options", "databasePaths", 1]` as `options.databasePaths[1]`; a key that is not a name is quoted. */
export function fieldPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((s, i) => {
      if (typeof s === "number") return `[${s}]`;
      const key = String(s);
      if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join("");
}

/** One INVALID_INPUT error that lists every problem, one per line, so the user fixes them in one round. */
export function optionsError(problems: readonly OptionProblem[]): UpchainError {
  return new UpchainError("INVALID_INPUT", problems.map((p) => `${p.path}: ${p.message}`).join("\n"), [problems[0]?.path ?? "options"]);
}
