// What preview asks an Oracle AS host before anything is touched (read-only, on Linux and Windows),
// and how the answers are judged: the Infrastructure a 9.0.2 middle tier uses must have the 9.0.2.3
// patch set too, the Infrastructure must answer, the destination folder must be free (or hold an
// earlier attempt's 10.1.2), the source must hold the active Enterprise Manager (emSwitch.ts), and 004's tasks
// before 10.1.2 that upchain cannot do (prerequisites.ts) must be confirmed by the site where they
// apply. The answers are data: matched, never run, and shown only cleaned and bounded.
import { Hop, HostCheck, PlanContext } from "../../engine/planning/catalog";
import { CheckReads, linuxReads, windowsReads } from "./checkReads";
import { switchHomeAdvice } from "./emSwitch";
import { OracleAsOptions } from "./options";
import { unconfirmed, WEB_CACHE_PORT_IN_PORTLIST } from "./prerequisites";
import { PATCH_SET, TARGET, compareOracle, hasEmWebSite, isRelease902, oracleScheme, rules } from "./rules";

/** The release the site's infrastructureCheck prints on a line of its own (9.0.2.3, 9.0.2.0.0, 10.1.2.0.2); a line with anything else is not taken for one. */
const INFRASTRUCTURE_RELEASE = /^[ \t]*(\d{1,2}(?:\.\d{1,2}){2,4})[ \t\r]*$/m;

type Problems = { path: string; message: string }[];

/** A line from the host, fit to quote: printable ASCII only, bounded. */
const shown = (text: string) => JSON.stringify(text.replace(/[^\x20-\x7e]/g, "?").slice(0, 120));

export function oracleHostChecks(o: OracleAsOptions, hops: Hop[], ctx: PlanContext): HostCheck[] {
  if (!hops.length) return [];
  const reads = ctx.platform === "windows" ? windowsReads(o) : linuxReads(o);
  const to1012 = hops.some((h) => h.to === TARGET);
  const checks: HostCheck[] = [];
  const infrastructure = infrastructureCheck(o, hops, reads, to1012);
  if (infrastructure) checks.push(infrastructure);
  if (to1012 && o.destinationHome) checks.push(destinationCheck(o.destinationHome, reads));
  if (hasEmWebSite(hops[0].from)) checks.push(activeEmHomeCheck(o, reads, ctx));
  // 004: before a Release 2 (9.0.2) middle tier is upgraded, mod_osso must use the Web Cache port
  if (hops.some((h) => isRelease902(h.from) && h.to === TARGET) && o.prerequisites.registerModOssoOnWebCachePort !== "done")
    checks.push(modOssoCheck(o, reads));
  return checks;
}

/**
 * 004 wants the Infrastructure started and, under a 9.0.2 middle tier, at 9.0.2.3 too, and says neither
 * how to ask it whether it answers nor how to read its release: the site's options.infrastructureCheck
 * (read-only, in the platform's shell) exits 0 when it answers and prints its release; "none" when the
 * middle tier uses no Infrastructure.
 */
function infrastructureCheck(o: OracleAsOptions, hops: Hop[], reads: CheckReads, to1012: boolean): HostCheck | undefined {
  const site = o.infrastructureCheck;
  if (!site || site === "none") return undefined;
  const from = hops[0].from;
  return {
    id: "infrastructure",
    path: "options.infrastructureCheck",
    shell: reads.shell,
    command: site,
    judge(r) {
      if (r.code !== 0)
        return `the Infrastructure this middle tier uses is not ready: options.infrastructureCheck exited ${r.code} (${shown(r.stderr.trim() || r.stdout.trim())}); start it first (${rules.infrastructureUp.text}; ${rules.infrastructureUp.source})`;
      const m = INFRASTRUCTURE_RELEASE.exec(r.stdout);
      if (!m)
        return `options.infrastructureCheck exited 0 but printed no release (it printed ${shown(r.stdout.trim())}): make it print the Infrastructure's release, like 9.0.2.3, so the patch-set rule can be checked`;
      const problems: Problems = [];
      if (isRelease902(from) && compareOracle(m[1], PATCH_SET) < 0) {
        problems.push({
          path: "options.infrastructureCheck",
          message: `the Infrastructure runs ${m[1]}, older than ${PATCH_SET}: ${rules.patchSetFirst.text} (${rules.patchSetFirst.source}); apply the patch set to the Infrastructure, then preview again`,
        });
      }
      const directory = oracleScheme.normalize(m[1]);
      if (to1012 && directory && isRelease902(directory) && o.prerequisites.updateOid902Entries !== "done") {
        problems.push(
          unconfirmed(
            "updateOid902Entries",
            `the middle tier uses a Release 2 (9.0.2) Oracle Internet Directory (the Infrastructure runs ${m[1]}), and the plan installs the ${TARGET} middle tier`,
          ),
        );
      }
      return problems;
    },
  };
}

function destinationCheck(dest: string, reads: CheckReads): HostCheck {
  return {
    id: "destination-home",
    path: "options.destinationHome",
    shell: reads.shell,
    command: reads.destination(dest),
    judge(r) {
      const what = r.stdout.trim();
      if (r.code === 0 && ["absent", "empty", "earlier-attempt"].includes(what)) return undefined;
      if (r.code === 0 && what === "occupied")
        return `${dest} already exists and holds something other than ${TARGET}: the 10.1.2 installer needs a new (or empty) folder; choose another destinationHome or empty it`;
      return `could not tell whether ${dest} is free (${r.stderr || (what ? shown(what) : "no answer")}); check that the folder can be read, then preview again`;
    },
  };
}

/**
 * 004 l.30-36: the source's EM Web Site is the one stopped (SOURCE_ORACLE_HOME\bin\emctl stop), after
 * the active one was stopped and `emctl switch home`, a dialog box, made the source hold the active
 * Enterprise Manager. upchain cannot answer the dialog: another active home is refused, saying what
 * the operator does (emSwitch.ts); the registry (emtab) naming the source is the proof it was done.
 */
function activeEmHomeCheck(o: OracleAsOptions, reads: CheckReads, ctx: PlanContext): HostCheck {
  const windows = ctx.platform === "windows";
  const same = (a: string, b: string) => {
    const norm = (p: string) => (windows ? p.replace(/\\+$/, "").toLowerCase() : p.replace(/\/+$/, ""));
    return norm(a) === norm(b);
  };
  return {
    id: "active-em-home",
    path: reads.emField,
    shell: reads.shell,
    command: reads.activeEmHome,
    judge(r) {
      if (r.code !== 0)
        return `could not read the active Enterprise Manager home from ${reads.emWhere} (${r.stderr || "no answer"}); check that it can be read, then preview again`;
      const active = /^active=(.*)$/m.exec(r.stdout)?.[1].trim();
      if (!active || same(active, o.sourceHome)) return undefined;
      return switchHomeAdvice(reads.emWhere, shown(active), o.sourceHome, windows ? "\\" : "/");
    },
  };
}

function modOssoCheck(o: OracleAsOptions, reads: CheckReads): HostCheck {
  const portlist = reads.inHome(o.sourceHome, "install", "portlist.ini");
  return {
    id: "mod-osso-web-cache-port",
    path: "options.prerequisites.registerModOssoOnWebCachePort",
    shell: reads.shell,
    command: reads.webCachePortEntry,
    judge(r) {
      const entry = r.code === 0 ? r.stdout.trim().split(/\r?\n/)[0] : "";
      const port =
        `; the Web Cache port is the second entry of ${portlist} (004: 「${WEB_CACHE_PORT_IN_PORTLIST.quote}」 (${WEB_CACHE_PORT_IN_PORTLIST.translation}))` +
        (entry ? `, which on this host reads ${shown(entry)}` : ", which upchain could not read on this host");
      return [unconfirmed("registerModOssoOnWebCachePort", "the plan upgrades a Release 2 (9.0.2) middle tier to 10.1.2", port)];
    },
  };
}
