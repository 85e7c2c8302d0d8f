// The plan preview shows for a server: services entries the host already has (by name or alias) are
// left out, and an interrupted run's finished steps are marked done, not listed as work to do.
import * as assert from "assert";
import { groupmax } from "../../../providers/catalogs/groupmax";
import { planUpgrade } from "../../../providers/engine/planner";
import { planAfterRun, planSummary } from "../../../providers/server/planSummary";

const installers = { objectServer: "sh /srv/pkg/objsrv/install.sh", addressServer: "sh /srv/pkg/address/install.sh", mailServer: "sh /srv/pkg/mail/install.sh" };
const plan = planUpgrade(groupmax, { installed: "02-01", target: "06-00", platform: "linux", options: { installers } });
const tcp = (name: string, port: number) => ({ name, port, protocol: "tcp" as const });

describe("the plan preview shows for a server", () => {
  it("a host without any of the entries: every entry is listed and the step adds them all", () => {
    const s = planSummary(plan, groupmax);
    assert.deepStrictEqual(s.servicesEntries, ["02-01->06-00 /etc/services += imap 143/tcp", "02-01->06-00 /etc/services += adrshd 20141/tcp", "02-01->06-00 /etc/services += pop3 110/tcp", "02-01->06-00 /etc/services += popcfg 106/tcp"]);
    assert.ok(s.steps.includes("02-01->06-00 services-add: [services-add] Add imap 143/tcp, adrshd 20141/tcp, pop3 110/tcp, popcfg 106/tcp to /etc/services"), s.steps.join("\n"));
  });

  it("entries the host already has (Debian's pop3, and imap as imap2's alias) are not listed, and the step names only what it adds", () => {
    const s = planSummary(plan, groupmax, { present: { "02-01->06-00 services-add": [tcp("imap", 143), tcp("pop3", 110)] } });
    assert.deepStrictEqual(s.servicesEntries, ["02-01->06-00 /etc/services += adrshd 20141/tcp", "02-01->06-00 /etc/services += popcfg 106/tcp"]);
    assert.ok(s.steps.includes("02-01->06-00 services-add: [services-add] Add adrshd 20141/tcp, popcfg 106/tcp to /etc/services (it has imap 143/tcp, pop3 110/tcp already)"), s.steps.join("\n"));
    assert.ok(!s.steps.some((l) => /Add imap/.test(l)));
  });

  it("a host that has every entry: nothing is listed, and the step says there is nothing to add", () => {
    const all = [tcp("imap", 143), tcp("adrshd", 20141), tcp("pop3", 110), tcp("popcfg", 106)];
    const s = planSummary(plan, groupmax, { present: { "02-01->06-00 services-add": all } });
    assert.strictEqual(s.servicesEntries, undefined);
    assert.ok(s.steps.includes("02-01->06-00 services-add: [services-add] Nothing to add to /etc/services: it has imap 143/tcp, adrshd 20141/tcp, pop3 110/tcp, popcfg 106/tcp already"), s.steps.join("\n"));
  });
});

describe("the plan a server keeps in its state after a run", () => {
  it("a finished run's resume text is gone from the state, and the rest of the plan is kept", () => {
    const previewed = { ...planSummary(plan, groupmax), resume: "first finishes interrupted run 20261123T101500-a1b2c3 (02-01 -> 06-00) from step 4 of 12" };
    const kept = planAfterRun(previewed) as Record<string, unknown>;
    assert.strictEqual("resume" in kept, false);
    assert.deepStrictEqual(kept, planSummary(plan, groupmax));
  });

  it("a plan without resume text, or no plan at all, is kept as it is", () => {
    assert.deepStrictEqual(planAfterRun(planSummary(plan, groupmax)), planSummary(plan, groupmax));
    assert.strictEqual(planAfterRun(undefined), undefined);
  });
});
