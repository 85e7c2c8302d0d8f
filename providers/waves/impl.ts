// The Wave gate's verdict. At create/update (after the wave's servers ran) it counts the wave's
// failed servers against the budget: over it, the gate fails with the wave, its failed servers and
// the waves not started, and Pulumi starts none of the servers that depend on it. The last wave's gate
// also fails when any server of any wave failed within its budget: the run must not end green with a
// server left behind. A gate stores nothing of a failure that stopped the run, so the next run weighs
// the wave again.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ServerOutcome, waveVerdict } from "../engine/planning/waves";
import { UpchainError } from "../errors";
import { propertiesOf } from "../properties";

const outcomeSchema = z.object({ name: z.string(), status: z.enum(["ok", "failed"]), error: z.string().optional() });

const gateSchema = z.object({
  wave: z.string().min(1),
  servers: z.array(z.string()).min(1),
  outcomes: z.array(outcomeSchema),
  maxFailPercentage: z.number().min(0).max(100),
  later: z.array(z.string()),
  earlierFailed: z.array(outcomeSchema).default([]),
  last: z.boolean(),
});

type Gate = z.infer<typeof gateSchema>;

const listed = (failed: readonly ServerOutcome[]) => failed.map((f) => `  ${f.name}: ${f.error ?? "failed"}`).join("\n");

/** The gate's verdict: its outputs, or the error that stops the run. */
export function judge(g: Gate): { failed: ServerOutcome[] } {
  const verdict = waveVerdict(g.outcomes, g.maxFailPercentage);
  const failed = [...g.earlierFailed, ...verdict.failed];
  if (!verdict.proceed) {
    throw new UpchainError(
      "WAVE_FAILED",
      `${g.wave} (${g.servers.join(", ")}): ${verdict.failed.length} of ${g.servers.length} servers failed, over its budget of ${verdict.allowed} ` +
        `(maxFailPercentage ${g.maxFailPercentage}). The rollout stopped here${g.later.length ? `: ${g.later.length} servers of later waves were not touched (${g.later.join(", ")})` : ""}.\n` +
        `${listed(verdict.failed)}\nFix the cause, then run pulumi up again: servers already at their target are not run again.`,
    );
  }
  if (g.last && failed.length) {
    throw new UpchainError(
      "WAVE_FAILED",
      `every wave ran, but ${failed.length} server(s) failed within their wave's budget and are not at their target:\n${listed(failed)}\n` +
        `Fix the cause, then run pulumi up again: only these servers are run again.`,
    );
  }
  return { failed };
}

function parse(inputs: unknown): Gate {
  const r = gateSchema.safeParse(inputs);
  if (!r.success) throw new UpchainError("INVALID_INPUT", `wave gate: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

const reported = (e: unknown) => (e instanceof UpchainError ? new Error(`${e.code}: ${e.message}`) : e);

export async function check(_olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
  return { inputs: news };
}

export async function diff(_id: string, oldProps: unknown, newProps: unknown): Promise<pulumi.dynamic.DiffResult> {
  const [olds, news] = [propertiesOf(oldProps), propertiesOf(newProps)];
  const keys = ["wave", "servers", "outcomes", "maxFailPercentage", "later", "earlierFailed", "last"];
  const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  return { changes: changed.length > 0 };
}

export async function create(inputs: unknown): Promise<pulumi.dynamic.CreateResult> {
  try {
    const g = parse(inputs);
    return { id: g.wave.replace(/\s+/g, "-"), outs: { ...propertiesOf(inputs), ...judge(g) } };
  } catch (e) {
    throw reported(e);
  }
}

export async function update(_id: string, _olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult> {
  try {
    return { outs: { ...propertiesOf(news), ...judge(parse(news)) } };
  } catch (e) {
    throw reported(e);
  }
}

export async function read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  return { id, props };
}

export async function remove(): Promise<void> {
  // a gate holds nothing on any host
}
