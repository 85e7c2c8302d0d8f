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

/** The issue's field as the operator writes it; `serversFile`: the servers are in that file (upchain:serversFile). */
export function issueField(issue: ConfigIssue, serversFile?: string): string {
  return issue.field ?? configField(issue.path, serversFile);
}

/**
 * The path as the operator writes it: upchain:servers[0].options.installDir, options.patches["1.2.0.0"].
 * With `serversFile` (upchain:serversFile), a server's field is named in that file, by its place in
 * the file's list: fleet/servers.yaml: [0].options.installDir.
 */
export function configField(path: ConfigPath, serversFile?: string): string {
  const tail = (p: ConfigPath) =>
    p.map((k) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join("");
  if (serversFile !== undefined && path[0] === "servers") return path.length > 1 ? `${serversFile}: ${tail(path.slice(1)).replace(/^\./, "")}` : serversFile;
  return `upchain:${tail(path).replace(/^\./, "")}`;
}
