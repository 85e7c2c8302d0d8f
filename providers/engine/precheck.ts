// Read-only checks of a plan against the host, run at preview before anything is touched: what a
// step would find on the host that makes it fail (a services entry that clashes with one already
// there, a file that is not there). Everything found is reported at once.
import { UpchainError } from "../errors";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { entriesOf, servicesConflictLines } from "./fileSteps";
import { Plan } from "./planner";

export async function precheckPlan(host: RemoteHost, plan: Plan): Promise<void> {
  const problems: string[] = [];
  for (const step of plan.steps) {
    if (step.action !== "services-add" || step.shell !== "sh") continue;
    const file = String(step.file);
    const r = await host.exec(`cat ${q(file)}`, { sudo: true });
    if (r.code !== 0) {
      problems.push(`step ${step.id} of hop ${step.hop} edits ${file}, which cannot be read: ${r.stderr.trim()}`);
      continue;
    }
    for (const line of servicesConflictLines(file, r.stdout, entriesOf(step))) {
      problems.push(`step ${step.id} of hop ${step.hop}: ${line}`);
    }
  }
  if (problems.length) {
    throw new UpchainError(
      "SERVICES_CONFLICT",
      `${host.label}: ${problems.join("\n")}\nupchain never overwrites an entry it did not add: free the name or port on the host ` +
        `(or point the product at another port), then preview again. Nothing on the host was changed.`,
      ["target"],
    );
  }
}
