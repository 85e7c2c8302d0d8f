// What `upchain plan --json` prints (providers/cli.ts), as far as the command-line tests read it: the
// tests parse the printed text, so they hold it to this shape rather than to the planner's own types.

export interface PlanJson {
  product: string;
  platform: string;
  hops: { from: string; to: string; rule: { id: string } }[];
  steps: {
    id: string;
    hop: string;
    action: string;
    title: string;
    shell: string;
    commands: string[];
    file?: string;
    entries?: { name: string; port: number; protocol: string }[];
  }[];
  rollout: { member: string; action: string }[];
}

/** The printed plan, typed: a test that reads a field the CLI no longer prints fails at its assertion. */
export const planJson = (stdout: string): PlanJson => JSON.parse(stdout) as PlanJson;
