// What preview checks on an Altazion server before anything is touched, read-only: the update
// service (installed, running, start mode), the modules declared in applicationspath.config (and in
// the folders the stack names), each target against what the service detected (with the document's
// own diagnosis when it has not), and a customised database's scripts against the reviewed list.
// The host's output is data: it is split and matched, never run.
import { HostCheck, PlanContext } from "../../engine/catalog";
import { quote as q } from "../../quote";
import { linuxCommands, linuxFiles } from "./linux";
import { AltazionOptions } from "./options";
import { moduleOffers } from "./offer";
import { moduleVersion } from "./rules";
import { readApplications, readStatus } from "./status";
import { windowsLook } from "./windows";

const SECTION = (name: string) => `=== upchain ${name} ===`;

/** One read-only command that prints the service's state, both files and the database update's scripts, in sections. */
function lookCommand(o: AltazionOptions): string {
  const c = linuxCommands(o);
  const f = linuxFiles(o);
  const packages = `${o.dataFolder}/bin/updates/packages/database`;
  return [
    `echo ${q(SECTION("service"))}; (${c.serviceState}) 2>&1; echo "exit=$?"`,
    `echo ${q(SECTION("applications"))}; cat -- ${q(f.applications)} 2>&1`,
    `echo ${q(SECTION("status"))}; cat -- ${q(f.status)} 2>&1`,
    `echo ${q(SECTION("scripts"))}; for d in ${q(packages)}/*/scripts; do [ -d "$d" ] || continue; v=$(basename -- "$(dirname -- "$d")"); (cd -- "$d" && LC_ALL=C ls -1A | while IFS= read -r n; do printf '%s\\t%s\\t%s\\n' "$v" "$(sha256sum < "$n" | cut -c1-64)" "$n"; done); done`,
    `true`,
  ].join("\n");
}

function sections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let name = "";
  for (const line of stdout.split("\n")) {
    const m = /^=== upchain (\w+) ===$/.exec(line);
    if (m) {
      name = m[1];
      out.set(name, "");
    } else if (name) out.set(name, out.get(name) + line + "\n");
  }
  return out;
}

const trimSlash = (p: string) => p.replace(/[\\/]+$/, "");
const shownText = (s: string) => JSON.stringify(s.replace(/[^\x20-\x7e]/g, "?").slice(0, 120));

/** Every problem the look at the host finds, each under its field. */
export function judgeLook(o: AltazionOptions, stdout: string): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const s = sections(stdout);
  const service = (s.get("service") ?? "").trim();
  const exit = /exit=(\d+)\s*$/.exec(service)?.[1];
  const [state, mode] = service.split("\n")[0].split(" ");
  const where = o.dataFolder;
  let serviceWhy = "";
  if (exit !== "0") {
    problems.push({ path: "options.serviceName", message: `the update service "${o.serviceName}" is not installed on this server (the document warns it may be named "Altazion - service principal"): name it in options.serviceName` });
    return problems;
  }
  if (state !== "Running") serviceWhy = `the update service is ${shownText(state)}, so its portal (localhost:${o.portal.port}) cannot answer`;
  if (mode !== "AutomaticDelayedStart") serviceWhy += `${serviceWhy ? "; and it" : "the update service"} starts ${shownText(mode ?? "")}, not Automatic (Delayed Start) as the document wants`;
  if (serviceWhy && !o.remedy) problems.push({ path: "options.serviceName", message: `${serviceWhy}. Fix it by hand, or set options.remedy: true for upchain to start it and set its start mode (document: « Le site http://localhost:8080 n'est pas accessible »)` });

  const apps = readApplications(s.get("applications") ?? "");
  const config = `${where}/bin/config`;
  o.modules.forEach((m, i) => {
    const declared = apps.get(m.name);
    if (declared === undefined) {
      problems.push({
        path: `options.modules[${i}].name`,
        message: `applicationspath.config does not declare ${m.name}, so the update service neither detects nor installs it. The document: this is probably a rights problem on ${config}, which stops the applications from writing there; give write rights on that folder to every identity the applications run as (ask the system administrator)`,
      });
    } else if (trimSlash(declared).toLowerCase() !== trimSlash(m.folder).toLowerCase()) {
      problems.push({ path: `options.modules[${i}].folder`, message: `applicationspath.config installs ${m.name} in ${shownText(declared)}, not in ${shownText(m.folder)}: name the folder the service uses (upchain takes the maintenance page out of that folder and backs it up)` });
    }
  });

  const status = readStatus(s.get("status") ?? "");
  if ("problem" in status) {
    problems.push({ path: "options.dataFolder", message: `the update service's status.xml in ${where} cannot be read: ${status.problem}${serviceWhy ? ` (${serviceWhy})` : ""}` });
    return problems;
  }
  const scripts = (s.get("scripts") ?? "").split("\n").filter(Boolean).map((l) => l.split("\t")).filter((p) => p.length === 3);
  for (const [i, m] of moduleOffers(o, status).entries()) {
    if (!m.installed || !m.target) continue;
    const at = `options.modules[${i}].target`;
    const detected = `(status.xml${status.detected ? `, detected ${status.detected}` : ""})`;
    const cmpAvail = moduleVersion.compare(m.target, m.available);
    const update = moduleVersion.compare(m.target, m.installed) > 0;
    if (update && cmpAvail > 0 && !o.remedy) {
      const causes = [
        serviceWhy || undefined,
        apps.has(m.name) ? undefined : `${m.name} is missing from applicationspath.config (a rights problem on ${config})`,
        `or ${m.name} ${m.target} is simply not published yet, or published less than a day ago (https://aide.altazion.com/fr-fr/releasenotes/)`,
      ].filter(Boolean);
      problems.push({
        path: at,
        message: `the update service has not detected ${m.name} ${m.target}: it offers ${m.available} ${detected}. The document's diagnosis: ${causes.join("; ")}. Set options.remedy: true for upchain to restart the service and wait up to ${o.detectionWaitSeconds}s for the detection (« patientez environ 20 minutes »), or set the target to ${m.available === m.installed ? "the installed version" : m.available}`,
      });
    }
    if (update && cmpAvail < 0) {
      problems.push({ path: at, message: `the update service offers ${m.name} ${m.available} ${detected}, newer than ${m.target}: its Installer button installs only the newest version it detected, so ${m.target} cannot be installed; set the target to ${m.available} or latest` });
    }
    const own = status.modules.get(m.name);
    if (m.name !== "database" || !update || !own) continue;
    const reviewed = o.database?.reviewedScripts;
    const onHost = scripts.filter(([v]) => moduleVersion.normalize(v) === m.target).map(([, sha, name]) => ({ name, sha256: sha }));
    const listing = onHost.length ? onHost.map((x) => `{ name: ${JSON.stringify(x.name)}, sha256: "${x.sha256}" }`).join(", ") : "(none found)";
    if (!own.automatic && !reviewed) {
      problems.push({
        path: "options.database.reviewedScripts",
        message: `the database is customised: the update service cannot install database ${m.target} itself (document: « Cas particulier de l'application Base de données »). Review its ${onHost.length} script(s) in ${o.dataFolder}/bin/updates/packages/database/${m.target}/scripts, then record them, in order, as options.database.reviewedScripts: [${listing}] (with sqlCommand and backupCommand); upchain then runs them one by one`,
      });
    } else if (own.automatic && reviewed) {
      problems.push({ path: "options.database.reviewedScripts", message: `the update service says it installs database ${m.target} itself (status.xml automatic): remove options.database.reviewedScripts and let the portal install it` });
    } else if (reviewed) {
      const same = reviewed.length === onHost.length && reviewed.every((r, k) => r.name === onHost[k].name && r.sha256 === onHost[k].sha256);
      if (!same) problems.push({ path: "options.database.reviewedScripts", message: `the update's scripts on the server are not the ones reviewed: the server has [${listing}]; review them again and record that list` });
    }
  }
  return problems;
}

export function altazionHostChecks(o: AltazionOptions, ctx: PlanContext): HostCheck[] {
  // the same look on Windows, in PowerShell (windows.ts), judged alike: a Windows console ends its lines with CRLF
  const windows = ctx.platform === "windows";
  return [
    {
      id: "update-service",
      path: "options",
      shell: windows ? "powershell" : "sh",
      command: windows ? windowsLook(o) : lookCommand(o),
      judge: (r) => judgeLook(o, r.stdout.replace(/\r\n/g, "\n")),
    },
  ];
}
