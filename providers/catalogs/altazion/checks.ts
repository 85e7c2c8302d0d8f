// What preview checks on an Altazion server before anything is touched, read-only: the portal answers
// (else, as 003 says only then, the update service: installed, running, start mode), the modules
// declared in applicationspath.config (and in the folders the stack names), each target against
// what the service detected (with the document's own diagnosis when it has not), and a customised
// database's scripts (in the site's folder) against the reviewed list.
// The host's output is data: it is split and matched, never run.
import { Hop, HostCheck, PlanContext } from "../../engine/planning/catalog";
import { quote as q } from "../../quote";
import { linuxCommands } from "./linux";
import { AltazionOptions, scriptsFolderOf } from "./options";
import { hopModule } from "./outline";
import { moduleVersion } from "./rules";
import { applicationsShapeOf, readApplications, readStatus, statusShapeOf } from "./status";
import { windowsLook } from "./windows";

const SECTION = (name: string) => `=== upchain ${name} ===`;

/** One read-only command that prints the portal's answer, the service's state, both files and the database update's scripts, in sections. */
function lookCommand(o: AltazionOptions, databaseTarget: string | undefined): string {
  const c = linuxCommands(o);
  const scripts = databaseTarget && o.database?.scriptsFolder ? scriptsFolderOf(o, databaseTarget) : undefined;
  return [
    `echo ${q(SECTION("portal"))}; if curl -s -o /dev/null --max-time 5 ${q(`http://127.0.0.1:${o.portal.port}${o.portal.listPath}`)}; then echo up; else echo down; fi`,
    `echo ${q(SECTION("service"))}; (${c.serviceState}) 2>&1; echo "exit=$?"`,
    // each file ends on a line of its own (echo), so a file without a last line end cannot hide the next section's mark
    `echo ${q(SECTION("applications"))}; (${c.readApplications}) 2>&1; echo`,
    `echo ${q(SECTION("status"))}; (${c.readStatus}) 2>&1; echo`,
    `echo ${q(SECTION("scripts"))}` +
      (scripts
        ? `; if [ -d ${q(scripts)} ]; then (cd -- ${q(scripts)} && LC_ALL=C ls -1A | while IFS= read -r n; do printf '%s\\t%s\\n' "$(sha256sum < "$n" | cut -c1-64)" "$n"; done); else echo missing; fi`
        : ""),
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

/** Every problem the look at the host finds, each under its field; `database` is the customised database's hop, when the plan has one. */
function judgeLook(o: AltazionOptions, stdout: string, database?: { from: string; to: string }): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const s = sections(stdout);
  const portalUp = (s.get("portal") ?? "").trim() === "up";
  const service = (s.get("service") ?? "").trim();
  const exit = /exit=(\d+)\s*$/.exec(service)?.[1];
  const [state, mode] = service.split("\n")[0].split(" ");
  const where = o.dataFolder;
  let serviceWhy = "";
  if (exit !== "0") {
    problems.push({
      path: "options.serviceName",
      message: `the update service "${o.serviceName}" is not installed on this server (the document warns it may be named "Altazion - service principal"): name it in options.serviceName, or check this is an Altazion server`,
    });
    return problems;
  }
  // 003 looks at the service's state and start mode only when the portal does not answer
  if (!portalUp) {
    serviceWhy = `the portal (localhost:${o.portal.port}) does not answer: the update service is ${shownText(state ?? "")} and starts ${shownText(mode ?? "")} (003: Automatic (Delayed Start))`;
    if (!o.remedy)
      problems.push({
        path: "options.serviceName",
        message: `${serviceWhy}. Start it (or stop and start it) by hand, or set options.remedy: true for upchain to, as the document says (« Le site http://localhost:8080 n'est pas accessible »)`,
      });
  }

  const config = `${where}/bin/config`;
  const appsShape = applicationsShapeOf(o);
  const read = readApplications(s.get("applications") ?? "", appsShape);
  const apps = "problem" in read ? new Map<string, string>() : read.declared;
  if ("problem" in read) {
    problems.push({
      path: read.field ?? "options.dataFolder",
      message: `the update service's applicationspath.config in ${config} cannot be read: ${read.problem}`,
    });
  } else if (!apps.size) {
    // no node at all: the site's description does not fit the file, or (003) the services could not write it
    problems.push({
      path: "options.applicationsFile",
      message: `applicationspath.config in ${config} has no <${appsShape.element}> element whose ${appsShape.moduleAttribute} attribute names a module: check that options.applicationsFile gives the element and attribute names as the server's file writes them (case included); if the file really declares nothing, the document: probably a rights problem on ${config}, which stops the applications from writing there (give write rights on that folder to every identity the applications run as)`,
    });
  } else
    o.modules.forEach((m, i) => {
      const declared = apps.get(m.name);
      if (declared === undefined) {
        problems.push({
          path: `options.modules[${i}].name`,
          message: `applicationspath.config does not declare ${m.name}, so the update service neither detects nor installs it. The document: this is probably a rights problem on ${config}, which stops the applications from writing there; give write rights on that folder to every identity the applications run as (ask the system administrator)`,
        });
      } else if (trimSlash(declared).toLowerCase() !== trimSlash(m.folder).toLowerCase()) {
        problems.push({
          path: `options.modules[${i}].folder`,
          message: `applicationspath.config installs ${m.name} in ${shownText(declared)}, not in ${shownText(m.folder)}: name the folder the service uses (upchain takes the maintenance page out of that folder and backs it up)`,
        });
      }
    });

  const status = readStatus(s.get("status") ?? "", statusShapeOf(o));
  if ("problem" in status) {
    problems.push({
      path: status.field ?? "options.dataFolder",
      message: `the update service's status.xml in ${where} cannot be read: ${status.problem}${serviceWhy ? ` (${serviceWhy})` : ""}`,
    });
    return problems;
  }
  for (const [i, m] of o.modules.entries()) {
    const available = status.detected.get(m.name);
    if (!available || m.target === "latest") continue;
    const target = moduleVersion.normalize(m.target)!;
    const at = `options.modules[${i}].target`;
    const cmp = moduleVersion.compare(target, available);
    if (cmp > 0 && !o.remedy) {
      const causes = [
        serviceWhy || undefined,
        apps.has(m.name) ? undefined : `${m.name} is missing from applicationspath.config (a rights problem on ${config})`,
        `or ${m.name} ${target} is simply not published yet, or published less than a day ago (https://aide.altazion.com/fr-fr/releasenotes/)`,
      ].filter(Boolean);
      problems.push({
        path: at,
        message: `the update service has not detected ${m.name} ${target}: its latest detected version is ${available} (status.xml, « la dernière version détectée par le module »). The document's diagnosis: ${causes.join("; ")}. Set options.remedy: true for upchain to restart the service and wait up to ${o.detectionWaitSeconds}s for the detection (« patientez environ 20 minutes »), or set the target to ${available} or latest`,
      });
    }
  }
  if (database && o.database) {
    const listed = (s.get("scripts") ?? "").split("\n").filter(Boolean);
    const folder = scriptsFolderOf(o, database.to);
    const onHost =
      listed[0] === "missing"
        ? undefined
        : listed
            .map((l) => l.split("\t"))
            .filter((p) => p.length === 2)
            .map(([sha, name]) => ({ name, sha256: sha }));
    const listing = onHost?.length ? onHost.map((x) => `{ name: ${JSON.stringify(x.name)}, sha256: "${x.sha256}" }`).join(", ") : "(none found)";
    const reviewed = o.database.reviewedScripts;
    if (!onHost) {
      problems.push({
        path: "options.database.scriptsFolder",
        message: `${shownText(folder)} is not a folder on the server: give the folder that holds database ${database.to}'s update scripts ({version} stands for the version)`,
      });
    } else if (!reviewed) {
      problems.push({
        path: "options.database.reviewedScripts",
        message: `the database is customised (options.database): its update ${database.from} -> ${database.to} is run by hand, script by script, after reading them (document: « Cas particulier de l'application Base de données »). Review the ${onHost.length} script(s) in ${folder}, then record them, in order, as options.database.reviewedScripts: [${listing}]; upchain then runs them one by one`,
      });
    } else {
      const same = reviewed.length === onHost.length && reviewed.every((r, k) => r.name === onHost[k].name && r.sha256 === onHost[k].sha256);
      if (!same)
        problems.push({
          path: "options.database.reviewedScripts",
          message: `the update's scripts on the server are not the ones reviewed: the server has [${listing}]; review them again and record that list`,
        });
    }
  }
  return problems;
}

export function altazionHostChecks(o: AltazionOptions, hops: Hop[], ctx: PlanContext): HostCheck[] {
  // the same look on Windows, in PowerShell (windows.ts), judged alike: a Windows console ends its lines with CRLF
  const windows = ctx.platform === "windows";
  const database = o.database ? hops.map(hopModule).find((m) => m.name === "database") : undefined;
  return [
    {
      id: "update-service",
      path: "options",
      shell: windows ? "powershell" : "sh",
      command: windows ? windowsLook(o, database?.to) : lookCommand(o, database?.to),
      judge: (r) => judgeLook(o, r.stdout.replace(/\r\n/g, "\n"), database),
    },
  ];
}
