// A small product catalog written the way a user writes one for their own product: integer
// versions, one version per hop, a version file, a backup and a restore. The executor's acceptance
// tests run it on real hosts; hooks on the host (files under /opt/counter/hooks) make a step slow or
// make it fail after it has changed something.
import { Catalog, Hop, Rule, shStep } from "../../providers/engine/planning/catalog";
import { quote as q } from "../../providers/quote";
import { TEST_STEP } from "./testProvenance";

const rule: Rule = { id: "counter.one-at-a-time", text: "one version at a time", source: "tests/support/counterCatalog.ts" };
const dir = "/opt/counter";
const backup = (h: Hop) => `/var/backups/counter/${h.from}-to-${h.to}`;

export const counter: Catalog = {
  product: "counter",
  title: "Counter",
  scheme: {
    describe: "a whole number, like 3",
    normalize: (t) => (/^\d+$/.test(t.trim()) ? String(Number(t)) : undefined),
    compare: (a, b) => Number(a) - Number(b),
  },
  platforms: ["linux"],
  defaultReleases: ["1", "2", "3", "4", "5"],
  legalHops: (from, ctx) => (ctx.releases.includes(String(Number(from) + 1)) ? [{ from, to: String(Number(from) + 1), rule }] : []),
  requiredStops: () => [],
  probeVersion: () => ({ shell: "sh", command: `cat ${dir}/VERSION 2>/dev/null || true` }),
  hopSteps: (hop) => [
    shStep({
      provenance: TEST_STEP,
      id: "backup",
      action: "backup",
      title: `Back up before ${hop.to}`,
      destructive: false,
      commands: [`rm -rf ${q(backup(hop))}; mkdir -p ${q(backup(hop))}`, `cp -a ${dir}/. ${q(backup(hop))}/`],
    }),
    shStep({
      provenance: TEST_STEP,
      id: "install",
      action: "run",
      title: `Install ${hop.to}`,
      destructive: true,
      commands: [
        `echo "install ${hop.to}" >> ${dir}/installs.log`,
        `echo ${q(hop.to)} > ${dir}/VERSION`,
        `if [ -f ${dir}/hooks/slow-${hop.to} ]; then sleep "$(cat ${dir}/hooks/slow-${hop.to})"; fi`,
        `if [ -f ${dir}/hooks/fail-${hop.to} ]; then echo "installer of ${hop.to} broke" >&2; exit 3; fi`,
        `echo "installed ${hop.to}"`,
      ],
    }),
    shStep({
      provenance: TEST_STEP,
      id: "verify",
      action: "verify",
      title: `Check the counter reports ${hop.to}`,
      destructive: false,
      commands: [`test "$(cat ${dir}/VERSION)" = ${q(hop.to)}`],
    }),
  ],
  restoreSteps: (hop) => [
    shStep({
      provenance: TEST_STEP,
      id: "restore",
      action: "restore",
      title: `Restore ${hop.from}`,
      destructive: true,
      commands: [`cp ${q(backup(hop))}/VERSION ${dir}/VERSION`, `echo "restored ${hop.from}" >> ${dir}/installs.log`],
    }),
  ],
};

/** Install the counter at `version` on a host (through the harness's side channel). */
export function counterInstallScript(version: string): string {
  return `rm -rf ${dir} /var/lib/upchain /var/backups/counter; mkdir -p ${dir}/hooks; echo ${version} > ${dir}/VERSION; : > ${dir}/installs.log`;
}
