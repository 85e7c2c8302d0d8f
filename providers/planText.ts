// A plan as text, the way an upgrade-path tool prints it; used by the CLI and by preview output.
import { Step } from "./engine/planning/catalog";
import { Plan } from "./engine/planning/planner";
import { describeProvenance } from "./engine/planning/provenance";

/** The steps that run when a hop fails: its restore point brought back, then the old version put back in service. */
export interface FailureSteps {
  hop: string;
  restore: Step[];
  recover: Step[];
}

const stepLines = (s: Step, label: string): string[] => [
  `  ${label}. [${s.action}] ${s.title}${s.destructive ? "  (destructive)" : ""}`,
  `       from ${s.provenance ? describeProvenance(s.provenance) : "(source not stated)"}`,
  ...s.commands.map((c) => `       ${s.shell === "powershell" ? "PS>" : "$"} ${c}`),
];

export function planToText(plan: Plan, title = plan.product, onFailure: FailureSteps[] = []): string {
  const out: string[] = [];
  if (plan.hops.length === 0) return `${title} ${plan.from} on ${plan.platform}: already at the target, nothing to do\n`;
  out.push(`${title} ${plan.from} -> ${plan.to} on ${plan.platform}: ${plan.hops.length} hop(s), ${plan.steps.length} step(s)`);
  plan.hops.forEach((hop, i) => {
    const label = `${hop.from}->${hop.to}`;
    out.push(``, `hop ${i + 1}: ${hop.from} -> ${hop.to}`, `  rule ${hop.rule.id}: ${hop.rule.text}`, `  source: ${hop.rule.source}`);
    plan.steps
      .filter((s) => s.hop === label)
      .forEach((s, j) => {
        out.push(`  ${j + 1}. [${s.action}] ${s.title}${s.destructive ? "  (destructive)" : ""}`);
        out.push(`       from ${s.provenance ? describeProvenance(s.provenance) : "(source not stated)"}`);
        for (const c of s.commands) out.push(`       ${s.shell === "powershell" ? "PS>" : "$"} ${c}`);
        if (s.action === "upload") out.push(`       upload ${s.source || "(local file not given)"} -> ${s.destination}`);
        if (s.action === "edit") out.push(`       edit ${s.file} (${s.edit}), then ${s.validate}`);
      });
    const failure = onFailure.find((f) => f.hop === label);
    if (failure && failure.restore.length + failure.recover.length) {
      out.push(`  if a step of this hop fails (after its last verify a failure only warns):`);
      failure.restore.forEach((s, j) => out.push(...stepLines(s, `r${j + 1}`)));
      failure.recover.forEach((s, j) => out.push(...stepLines(s, `v${j + 1}`)));
    }
  });
  return out.join("\n") + "\n";
}
