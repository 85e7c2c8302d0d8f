// Read-only checks of a plan against the host, run at preview before anything is touched: what a
// step would find on the host that makes it fail (a services entry that clashes with one already
// there, a file that is not there), on Linux and on Windows alike. Everything found is reported at once.
import { UpchainError } from "../../errors";
import { ServiceEntry, presentServices, servicesConflictLines } from "../../edits/services";
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";
import { windowsReadText } from "../../files/windowsFile";
import { HostCheck } from "./catalog";
import { Plan } from "./planner";
import { readOnHost } from "../readOnHost";

/** What preview learnt from the host's files: per services-add step ("hop id"), the entries the host already has. */
export interface PlanPrecheck {
  present: Record<string, ServiceEntry[]>;
}

export async function precheckPlan(host: RemoteHost, plan: Plan): Promise<PlanPrecheck> {
  const problems: string[] = [];
  const present: Record<string, ServiceEntry[]> = {};
  for (const step of plan.steps) {
    if (step.action !== "services-add") continue;
    const file = step.file;
    const read = step.shell === "powershell" ? await windowsServicesText(host, file) : await posixServicesText(host, file);
    if ("unreadable" in read) {
      problems.push(`step ${step.id} of hop ${step.hop} edits ${file}, which cannot be read: ${read.unreadable}`);
      continue;
    }
    for (const line of servicesConflictLines(file, read.text, step.entries)) {
      problems.push(`step ${step.id} of hop ${step.hop}: ${line}`);
    }
    const there = presentServices(read.text, step.entries);
    if (there.length) present[`${step.hop} ${step.id}`] = there;
  }
  if (problems.length) {
    throw new UpchainError(
      "SERVICES_CONFLICT",
      `${host.label}: ${problems.join("\n")}\nupchain never overwrites an entry it did not add: free the name or port on the host ` +
        `(or point the product at another port), then preview again. Nothing on the host was changed.`,
      ["target"],
    );
  }
  return { present };
}

type ServicesRead = { text: string } | { unreadable: string };

async function posixServicesText(host: RemoteHost, file: string): Promise<ServicesRead> {
  const r = await host.exec(`cat ${q(file)}`, { sudo: true });
  return r.code === 0 ? { text: r.stdout } : { unreadable: r.stderr.trim() };
}

/** Windows: read in PowerShell as data (the path's variables expanded on the host; bounded, UTF-8 checked: files/windowsFile.ts). */
async function windowsServicesText(host: RemoteHost, file: string): Promise<ServicesRead> {
  try {
    const text = await windowsReadText(host, { path: file, expand: true });
    return text === undefined ? { unreadable: "there is no such file: give the path of the host's services file in the stack's options" } : { text };
  } catch (e) {
    // the problem is said under the host's label already
    return { unreadable: (e as Error).message.replace(`${host.label}: `, "") };
  }
}

/** Output shown in a problem: the first lines, bounded (it comes from the host and may be anything). */
const excerpt = (text: string) => text.trim().split("\n").slice(0, 5).join(" / ").slice(0, 400);

/**
 * Run a catalog's read-only host checks and judge each result; every problem at once, each under its
 * field. A check that cannot run is a problem too (preview must not pass on what it could not see).
 */
export async function hostCheckProblems(host: RemoteHost, checks: readonly HostCheck[]): Promise<{ path: string; message: string }[]> {
  const problems: { path: string; message: string }[] = [];
  for (const check of checks) {
    try {
      // a PowerShell check runs through powershell -Command, its output judged as data
      const r = await readOnHost(host, check);
      const why = check.judge({ code: r.code, stdout: r.stdout, stderr: excerpt(r.stderr) });
      if (Array.isArray(why)) problems.push(...why);
      else if (why) problems.push({ path: check.path, message: why });
    } catch (e) {
      problems.push({ path: check.path, message: `the check ${check.id} could not run on ${host.label}: ${(e as Error).message}` });
    }
  }
  return problems;
}
