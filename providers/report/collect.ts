// What the report draws: the stack's servers (from `pulumi stack export`, in the state's order, and
// wave by wave when the stack has waves) and, for each, its newest run record kept on the controller. Records are files this
// controller wrote, still checked for shape: a file that is not a record is skipped, never trusted.
import * as fs from "fs";
import * as path from "path";
import { RunRecord } from "../engine/running/runRecord";
import { TimelineRow } from "./timeline";

export interface StackServer {
  /** The resource's name in the stack. */
  name: string;
  /** user@host:port, as the executor labels the host. */
  server: string;
  /** The journal's name on the host (the product's unless the stack names it). */
  resource: string;
  wave?: number;
}

/** The managed servers in a `pulumi stack export` deployment: dynamic resources with a product and a connection. */
export function serversOf(exported: any): StackServer[] {
  const resources: any[] = exported?.deployment?.resources ?? [];
  return resources
    .filter((r) => typeof r?.type === "string" && r.type.startsWith("pulumi-nodejs:dynamic") && r.outputs?.product && r.outputs?.connection?.host && r.outputs?.installedVersion !== undefined)
    .map((r) => {
      const c = r.outputs.connection;
      return {
        name: String(r.urn).split("::").pop() ?? "?",
        server: `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`,
        resource: r.outputs.journalName ?? r.outputs.product,
        ...(typeof r.outputs.wave === "number" ? { wave: r.outputs.wave } : {}),
      };
    })
    // wave by wave (a stable sort: within a wave, the state's order, which is the order they finished)
    .sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0));
}

const isRecord = (r: any): r is RunRecord =>
  r?.version === 1 && typeof r.server === "string" && typeof r.resource === "string" && typeof r.run === "string" && Array.isArray(r.steps) &&
  r.steps.every((s: any) => typeof s?.start === "string" && typeof s?.id === "string" && typeof s?.hop === "string");

export function readRecords(dir: string): RunRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      try {
        const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
        return isRecord(r) && r.steps.length ? [r] : [];
      } catch {
        return [];
      }
    });
}

/**
 * One row per server of the stack that has a record: its newest run (run ids sort by time). A host's
 * journal behind several resources (a cluster member's Server per stop, `wc1-9.0.2.3` then `wc1`) is
 * one row, under the last one's name.
 */
export function rowsFor(servers: readonly StackServer[], records: readonly RunRecord[]): TimelineRow[] {
  const same = (a: StackServer, b: StackServer) => a.server === b.server && a.resource === b.resource;
  return servers.filter((s, i) => !servers.slice(i + 1).some((later) => same(s, later))).flatMap((s) => {
    const mine = records.filter((r) => r.server === s.server && r.resource === s.resource).sort((a, b) => (a.run < b.run ? 1 : -1));
    return mine.length ? [{ name: s.name, record: mine[0], ...(s.wave !== undefined ? { wave: s.wave } : {}) }] : [];
  });
}
