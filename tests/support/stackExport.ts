// `pulumi stack export`'s JSON, as far as the acceptance tests read it.

export interface ExportedResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The deployment's resources (none when the stack holds none). */
export const exportedResources = (stdout: string): ExportedResource[] =>
  (JSON.parse(stdout) as { deployment: { resources?: ExportedResource[] } }).deployment.resources ?? [];
