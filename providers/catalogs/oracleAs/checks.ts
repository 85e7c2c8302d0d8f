// What preview asks an Oracle AS host before anything is touched (read-only), and how the answers
// are judged: the Infrastructure a 9.0.2 middle tier uses must have the 9.0.2.3 patch set too, the
// Infrastructure must answer, the destination folder must be free (or hold an earlier attempt's 10.1.2),
// and the active EM home must be the source's. The answers are data: matched, never run.
import { Hop, HostCheck, PlanContext } from "../../engine/catalog";
import { quote as q } from "../../quote";
import { infrastructureProbe } from "./linux";
import { OracleAsOptions } from "./options";
import { PATCH_SET, TARGET, compareOracle, hasEmWebSite, isRelease902, rules } from "./rules";

const DIRECTORY_VERSION = /^orcldirectoryversion[=:]\s*OID\s+(\d{1,2}(?:\.\d{1,2}){1,4})\s*$/m;

export function oracleHostChecks(o: OracleAsOptions, hops: Hop[], ctx: PlanContext): HostCheck[] {
  if (!hops.length || ctx.platform !== "linux") return [];
  const from = hops[0].from;
  const checks: HostCheck[] = [
    {
      id: "infrastructure",
      path: "options.sourceHome",
      shell: "sh",
      command: infrastructureProbe(o.sourceHome),
      judge(r) {
        if (r.code !== 0) return `the Infrastructure this middle tier uses is not ready: ${r.stderr || "its check failed"}; start it first (${rules.infrastructureUp.text}; ${rules.infrastructureUp.source})`;
        if (/^no Infrastructure/m.test(r.stdout)) return undefined;
        const m = DIRECTORY_VERSION.exec(r.stdout);
        if (!m) return "the Infrastructure's directory answered, but not with a release upchain can read (orcldirectoryversion=OID x.y.z); check it by hand";
        if (isRelease902(from) && compareOracle(m[1], PATCH_SET) < 0) {
          return `the Infrastructure runs ${m[1]}, older than ${PATCH_SET}: ${rules.patchSetFirst.text} (${rules.patchSetFirst.source}); apply the patch set to the Infrastructure, then preview again`;
        }
        return undefined;
      },
    },
  ];
  if (hops.some((h) => h.to === TARGET) && o.destinationHome) {
    const dest = o.destinationHome;
    checks.push({
      id: "destination-home",
      path: "options.destinationHome",
      shell: "sh",
      command: `if [ ! -e ${q(dest)} ]; then echo absent; elif [ -x ${q(dest + "/upgrade/iasua.sh")} ]; then echo earlier-attempt; elif [ -z "$(ls -A -- ${q(dest)} 2>/dev/null)" ]; then echo empty; else echo occupied; fi`,
      judge(r) {
        const what = r.stdout.trim();
        if (["absent", "empty", "earlier-attempt"].includes(what)) return undefined;
        if (what === "occupied") return `${dest} already exists and holds something other than ${TARGET}: the 10.1.2 installer needs a new (or empty) folder; choose another destinationHome or empty it`;
        return `could not tell whether ${dest} is free (${r.stderr || what || "no answer"})`;
      },
    });
  }
  if (hasEmWebSite(from)) {
    checks.push({
      id: "active-em-home",
      path: "options.emtab",
      shell: "sh",
      command: `sed -n 's/^DEFAULT=//p' ${q(o.emtab)} 2>/dev/null | head -n 1`,
      judge(r) {
        const em = r.stdout.trim();
        if (em === "" || em === o.sourceHome) return undefined;
        return `${o.emtab} names another active Enterprise Manager home than sourceHome (${o.sourceHome}); upchain stops only the EM Web Site of the home it upgrades: switch the active EM home (emctl switch home) or stop that EM Web Site first`;
      },
    });
  }
  return checks;
}
