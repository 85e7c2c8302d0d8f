// The demo's last word (scripts/demo.sh): the installed versions as the demo stack's outputs give
// them (`pulumi stack output --json`, read from stdin), one row per server and cluster member.
import * as fs from "fs";
import { table } from "./demoHosts";

interface Outputs {
  servers?: Record<string, string>;
  /** rollout: the plan's moves ("demo-wc1: upgrade", ...); installed: each member's version. */
  clusters?: Record<string, { rollout: string[]; installed: Record<string, string> }>;
}

/** Rows [server, installed]; an Altazion server's version lists its modules ("ecommerce=5.2.0.0,..."), one row each. */
export function versionRows(out: Outputs): [string, string][] {
  const rows: [string, string][] = [];
  for (const [name, version] of Object.entries(out.servers ?? {})) {
    const parts = version.includes("=") ? version.split(",").map((m) => m.replace("=", " ")) : [version];
    parts.forEach((p, i) => rows.push([i === 0 ? name : "", p]));
  }
  for (const [cluster, c] of Object.entries(out.clusters ?? {})) {
    for (const [member, version] of Object.entries(c.installed)) rows.push([`${cluster} / ${member}`, version]);
  }
  return rows;
}

if (require.main === module) {
  const rows = versionRows(JSON.parse(fs.readFileSync(0, "utf8")));
  if (!rows.length) {
    process.stderr.write("the demo stack has no server outputs: did pulumi up finish?\n");
    process.exit(1);
  }
  console.log(table([["server", "installed version (stack outputs)"], ...rows]));
}
