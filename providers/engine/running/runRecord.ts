// A run as the controller keeps it for the report: the journal's timeline with each step's hop, id,
// title and action taken from the controller's plan (never from the host), written as one JSON file
// per run under the project's .upchain/runs (or UPCHAIN_RUNS_DIR). Failed runs are kept too: their
// restore and recovery steps are the point of the picture.
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../../projectDir";
import { Catalog } from "../planning/catalog";
import { Journal } from "./journal";
import { Plan, hopName } from "../planning/planner";

export interface RunRecordStep {
  kind: "step" | "restore" | "recover";
  /** The hop as people read it (the catalog's name for it). */
  hop: string;
  id: string;
  title: string;
  action: string;
  start: string;
  end?: string;
  outcome?: "ok" | "failed" | "lost" | "warned";
}

export interface RunRecord {
  version: 1;
  /** The server as upchain reaches it (user@host:port) and its journal's name there. */
  server: string;
  resource: string;
  product: string;
  run: string;
  from: string;
  to: string;
  status: Journal["status"];
  steps: RunRecordStep[];
}

export function runRecord(journal: Journal, plan: Plan, catalog: Catalog, server: string, resource: string): RunRecord {
  let lastHop = "";
  const steps = journal.timeline.map((e): RunRecordStep => {
    if (e.kind === "step" && typeof e.step === "number" && plan.steps[e.step]) {
      const s = plan.steps[e.step];
      lastHop = hopName(catalog, plan, s.hop);
      return { kind: "step", hop: lastHop, id: s.id, title: s.title, action: s.action, start: e.start, end: e.end, outcome: e.outcome };
    }
    // a restore or recovery step belongs to the hop whose step failed just before it
    return {
      kind: e.kind,
      hop: lastHop,
      id: String(e.step),
      title: `${e.kind} ${e.step}`,
      action: e.kind === "step" ? "run" : e.kind,
      start: e.start,
      end: e.end,
      outcome: e.outcome,
    };
  });
  return { version: 1, server, resource, product: journal.product, run: journal.run, from: journal.from, to: journal.to, status: journal.status, steps };
}

export const runsDir = () => process.env.UPCHAIN_RUNS_DIR || path.join(projectDir(), ".upchain", "runs");

/** Keep a run's record on the controller: `<dir>/<run>-<resource>.json`. */
export function writeRunRecord(record: RunRecord, dir = runsDir()): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.run}-${record.resource.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}
