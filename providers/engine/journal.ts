// The journal a run keeps on the host it upgrades: which plan, which step is next, and which step is
// in flight. An interrupted `pulumi up` resumes from it and never repeats a finished hop blindly.
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { Plan } from "./planner";

export interface Journal {
  version: 1;
  run: string;
  plan: Plan;
  /** Index into plan.steps of the next step to run. */
  next: number;
  /** The step that was started and not yet seen to finish. */
  inFlight?: { index: number; dir: string; /** A reboot step's boot marker from before it. */ marker?: string };
  status: "running" | "done" | "restored";
  updatedAt: string;
}

export function journalPath(stateDir: string, resource: string): string {
  return `${stateDir}/${resource}.journal.json`;
}

export async function readJournal(host: RemoteHost, stateDir: string, resource: string): Promise<Journal | undefined> {
  const r = await host.exec(`cat ${q(journalPath(stateDir, resource))} 2>/dev/null || true`, { sudo: true });
  if (!r.stdout.trim()) return undefined;
  return JSON.parse(r.stdout) as Journal;
}

export async function writeJournal(host: RemoteHost, stateDir: string, resource: string, j: Journal): Promise<void> {
  j.updatedAt = new Date().toISOString();
  await host.writeFile(journalPath(stateDir, resource), JSON.stringify(j, null, 2) + "\n", 0o600);
}

/** A finished journal is kept beside the live one as history, named by its run. */
export async function archiveJournal(host: RemoteHost, stateDir: string, resource: string, run: string): Promise<void> {
  const from = journalPath(stateDir, resource);
  await host.exec(`mkdir -p ${q(stateDir + "/history")} && mv -f ${q(from)} ${q(`${stateDir}/history/${resource}.${run}.json`)}`, { sudo: true });
}
