// A plan as text, the way an upgrade-path tool prints it; used by the CLI and by preview output.
import { Plan } from "./engine/planner";
import { describeProvenance } from "./engine/provenance";

export function planToText(plan: Plan, title = plan.product): string {
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
  });
  return out.join("\n") + "\n";
}
