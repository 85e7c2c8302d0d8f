// What the report draws: the stack's servers (from `pulumi stack export`, in the state's order, and
// wave by wave when the stack has waves) and, for each, its newest run record kept on the controller. Records are files this
// controller wrote, still checked for shape: a file that is not a record is skipped, never trusted.
import * as fs from "fs";
import * as path from "path";
import { RunRecord } from "../engine/running/runRecord";
import { propertiesOf } from "../properties";
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
export function serversOf(exported: unknown): StackServer[] {
  const resources = propertiesOf(propertiesOf(exported).deployment).resources;
  return (
    (Array.isArray(resources) ? resources : [])
      .map((resource: unknown) => ({ r: propertiesOf(resource), outputs: propertiesOf(propertiesOf(resource).outputs) }))
      .filter(
        ({ r, outputs }) =>
          typeof r.type === "string" &&
          r.type.startsWith("pulumi-nodejs:dynamic") &&
          outputs.product &&
          propertiesOf(outputs.connection).host &&
          outputs.installedVersion !== undefined,
      )
      .map(({ r, outputs }) => {
        const c = propertiesOf(outputs.connection);
        return {
          name: String(r.urn).split("::").pop() ?? "?",
          server: `${String(c.user ?? "root")}@${String(c.host)}:${String(c.port ?? 22)}`,
          resource: String(outputs.journalName ?? outputs.product),
          ...(typeof outputs.wave === "number" ? { wave: outputs.wave } : {}),
        };
      })
      // wave by wave (a stable sort: within a wave, the state's order, which is the order they finished)
      .sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0))
  );
}

const isStep = (s: unknown): boolean => {
  const step = propertiesOf(s);
  return typeof step.start === "string" && typeof step.id === "string" && typeof step.hop === "string";
};
const isRecord = (value: unknown): value is RunRecord => {
  const r = propertiesOf(value);
  return (
    r.version === 1 &&
    typeof r.server === "string" &&
    typeof r.resource === "string" &&
    typeof r.run === "string" &&
    Array.isArray(r.steps) &&
    r.steps.every(isStep)
  );
};

export function readRecords(dir: string): RunRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      try {
        const r: unknown = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
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
  return servers
    .filter((s, i) => !servers.slice(i + 1).some((later) => same(s, later)))
    .flatMap((s) => {
      const mine = records.filter((r) => r.server === s.server && r.resource === s.resource).sort((a, b) => (a.run < b.run ? 1 : -1));
      return mine.length ? [{ name: s.name, record: mine[0], ...(s.wave !== undefined ? { wave: s.wave } : {}) }] : [];
    });
}
