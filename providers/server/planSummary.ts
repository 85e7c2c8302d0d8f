// The chain as preview shows it in the server's `plan` output: hops, and each step as
// "hop id: [action] title", with what the host's files already hold left out.
import { Catalog, PlanContext, ServicesAddStep } from "../engine/planning/catalog";
import { shortProvenance } from "../engine/planning/provenance";
import { PlanPrecheck } from "../engine/planning/precheck";
import { Plan, PlannedStep, hopLabel, hopName } from "../engine/planning/planner";
import { ServiceEntry, describeEntry } from "../edits/services";

const same = (a: ServiceEntry, b: ServiceEntry) => a.name === b.name && a.port === b.port && a.protocol === b.protocol;

/** A services-add step's entries the host does not have yet, and the ones it has. */
function servicesOf(step: PlannedStep & ServicesAddStep, found: PlanPrecheck) {
  const there = found.present[`${step.hop} ${step.id}`] ?? [];
  const all = step.entries;
  return { missing: all.filter((e) => !there.some((t) => same(t, e))), there: all.filter((e) => there.some((t) => same(t, e))) };
}

/** The step's title, or, when the host has some of its entries already, what it will really add. */
function titleOf(step: PlannedStep, found: PlanPrecheck): string {
  if (step.action !== "services-add") return step.title;
  const { missing, there } = servicesOf(step, found);
  if (!there.length) return step.title;
  const had = `it has ${there.map(describeEntry).join(", ")} already`;
  return missing.length ? `Add ${missing.map(describeEntry).join(", ")} to ${step.file} (${had})` : `Nothing to add to ${step.file}: ${had}`;
}

/** An interrupted run the next up finishes first: the plan's first `next` steps are done, `inFlight` is the one it left running. */
export interface Resumed {
  run: string;
  next: number;
  inFlight?: number;
}

/**
 * What the next up runs while an interrupted run waits: that run's chain (rebuilt from the stack for
 * the versions its journal names), then the chain from where it ends to the target.
 */
export function resumedPlan(interrupted: Plan, after: Plan): Plan {
  return {
    ...interrupted,
    to: after.hops.length ? after.to : interrupted.to,
    hops: [...interrupted.hops, ...after.hops],
    steps: [...interrupted.steps, ...after.steps],
  };
}

/** Before the action: what an interrupted run did with the step (right after "hop id:", where a cut line still shows it). */
function markerOf(index: number, resumed: Resumed | undefined): string {
  if (!resumed) return "";
  if (index < resumed.next) return `(done in run ${resumed.run}) `;
  return index === resumed.inFlight ? "(in flight when it was interrupted: checked first) " : "";
}

/** What runs when a hop fails (its restore, then its recovery), one line each, for the hops the plan runs. */
function onFailureLines(plan: Plan, catalog: Catalog, ctx: PlanContext): string[] {
  return plan.hops.flatMap((hop) => {
    const name = hopName(catalog, plan, hopLabel(hop));
    return [...catalog.restoreSteps(hop, ctx), ...(catalog.recoverSteps?.(hop, ctx) ?? [])].map(
      (s) => `${name} on failure ${s.id}: [${s.action}] ${s.title} <- ${shortProvenance(s.provenance)}`,
    );
  });
}

export function planSummary(plan: Plan, catalog: Catalog, found: PlanPrecheck = { present: {} }, resumed?: Resumed, ctx?: PlanContext) {
  // the catalog's short name of a hop when it has one: the diff view cuts long lines
  const named = (key: string) => hopName(catalog, plan, key);
  // one line per entry: a step title listing six entries is too long for the diff view
  const entries = plan.steps.flatMap((s) =>
    s.action === "services-add" ? servicesOf(s, found).missing.map((e) => `${s.hop} ${s.file} += ${describeEntry(e)}`) : [],
  );
  return {
    from: plan.from,
    to: plan.to,
    hops: plan.hops.map((h) => `${named(hopLabel(h))} (${h.rule.id})`),
    // where each step comes from, at the end of its line (the plan JSON has the document's sentence)
    steps: plan.steps.map((s, i) => `${named(s.hop)} ${s.id}: ${markerOf(i, resumed)}[${s.action}] ${titleOf(s, found)} <- ${shortProvenance(s.provenance)}`),
    ...(entries.length ? { servicesEntries: entries } : {}),
    // the restore and recovery a failed hop runs are part of what preview shows
    ...(ctx && plan.hops.length ? { onFailure: onFailureLines(plan, catalog, ctx) } : {}),
  };
}

/** The plan kept in the state once a run has ended: its `resume` text spoke of a run that is over now. */
export function planAfterRun<T>(plan: T): T {
  if (!plan || typeof plan !== "object" || !("resume" in plan)) return plan;
  const { resume: _over, ...rest } = plan as Record<string, unknown>;
  return rest as T;
}
