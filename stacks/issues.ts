// A problem found in the stack configuration, kept as data so every check can run before any is
// reported: the operator fixes the whole file in one round instead of one mistake per preview.

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  /** Where the problem is, below the `upchain` namespace: ["servers", 0, "options", "installDir"]. */
  path: ConfigPath;
  message: string;
  /** The field as the operator writes it, when the path alone cannot say it (an option's own path, as its catalog reports it). */
  field?: string;
}

/** The issue's field as the operator writes it. */
export function issueField(issue: ConfigIssue): string {
  return issue.field ?? configField(issue.path);
}

/** The path as the operator writes it: upchain:servers[0].options.installDir, options.patches["1.2.0.0"]. */
export function configField(path: ConfigPath): string {
  const tail = path.map((p) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join("");
  return `upchain:${tail.replace(/^\./, "")}`;
}
