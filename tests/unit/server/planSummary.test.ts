// The plan preview shows for a server: services entries the host already has (by name or alias) are
// left out, and an interrupted run's finished steps are marked done, not listed as work to do.
import * as assert from "assert";
import { altazion } from "../../../providers/catalogs/altazion";
import { groupmax } from "../../../providers/catalogs/groupmax";
import { omflow } from "../../../providers/catalogs/omflow";
import { planUpgrade } from "../../../providers/engine/planning/planner";
import { planAfterRun, planSummary, resumedPlan } from "../../../providers/server/planSummary";

const installers = {
  objectServer: "sh /srv/pkg/objsrv/install.sh",
  addressServer: "sh /srv/pkg/address/install.sh",
  mailServer: "sh /srv/pkg/mail/install.sh",
};
const plan = planUpgrade(groupmax, { installed: "02-01", target: "06-00", platform: "linux", options: { installers } });
const tcp = (name: string, port: number) => ({ name, port, protocol: "tcp" as const });

describe("the plan preview shows for a server", () => {
  it("a host without any of the entries: every entry is listed and the step adds them all", () => {
    const s = planSummary(plan, groupmax);
    assert.deepStrictEqual(s.servicesEntries, [
      "02-01->06-00 /etc/services += imap 143/tcp",
      "02-01->06-00 /etc/services += adrshd 20141/tcp",
      "02-01->06-00 /etc/services += pop3 110/tcp",
      "02-01->06-00 /etc/services += popcfg 106/tcp",
    ]);
    assert.ok(
      s.steps.includes(
        "02-01->06-00 services-add: [services-add] Add imap 143/tcp, adrshd 20141/tcp, pop3 110/tcp, popcfg 106/tcp to /etc/services <- document 002 (付録A.3 (3) Version2.0からのバージョンアップ手順, servicesファイルを変更します。)",
      ),
      s.steps.join("\n"),
    );
  });

  it("entries the host already has (Debian's pop3, and imap as imap2's alias) are not listed, and the step names only what it adds", () => {
    const s = planSummary(plan, groupmax, { present: { "02-01->06-00 services-add": [tcp("imap", 143), tcp("pop3", 110)] } });
    assert.deepStrictEqual(s.servicesEntries, ["02-01->06-00 /etc/services += adrshd 20141/tcp", "02-01->06-00 /etc/services += popcfg 106/tcp"]);
    assert.ok(
      s.steps.includes(
        "02-01->06-00 services-add: [services-add] Add adrshd 20141/tcp, popcfg 106/tcp to /etc/services (it has imap 143/tcp, pop3 110/tcp already) <- document 002 (付録A.3 (3) Version2.0からのバージョンアップ手順, servicesファイルを変更します。)",
      ),
      s.steps.join("\n"),
    );
    assert.ok(!s.steps.some((l) => /Add imap/.test(l)));
  });

  it("every step line ends with where the step comes from: the document's section, the site's field, or upchain's safety", () => {
    const s = planSummary(plan, groupmax);
    assert.deepStrictEqual(
      s.steps.filter((l) => !/ <- (document \d{3} \(.+\)|site options\.\S+|safety)$/.test(l)),
      [],
    );
    assert.ok(s.steps.some((l) => l.endsWith(" <- site options.installers.objectServer")));
  });

  it("a host that has every entry: nothing is listed, and the step says there is nothing to add", () => {
    const all = [tcp("imap", 143), tcp("adrshd", 20141), tcp("pop3", 110), tcp("popcfg", 106)];
    const s = planSummary(plan, groupmax, { present: { "02-01->06-00 services-add": all } });
    assert.strictEqual(s.servicesEntries, undefined);
    assert.ok(
      s.steps.includes(
        "02-01->06-00 services-add: [services-add] Nothing to add to /etc/services: it has imap 143/tcp, adrshd 20141/tcp, pop3 110/tcp, popcfg 106/tcp already <- document 002 (付録A.3 (3) Version2.0からのバージョンアップ手順, servicesファイルを変更します。)",
      ),
      s.steps.join("\n"),
    );
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

describe("the plan preview shows while an interrupted run waits to be finished", () => {
  const run = "20261123T101500-a1b2c3";

  it("the steps the interrupted run finished are marked done, the one it left in flight is marked to be checked first, the rest are as planned", () => {
    const s = planSummary(plan, groupmax, undefined, { run, next: 3, inFlight: 3 });
    const fresh = planSummary(plan, groupmax).steps;
    const marker = (line: string) => /^02-01->06-00 [a-z0-9_-]+: (\([^)]*\)) \[/.exec(line)?.[1];
    assert.deepStrictEqual(s.steps.slice(0, 3).map(marker), Array(3).fill(`(done in run ${run})`));
    assert.strictEqual(marker(s.steps[3]), "(in flight when it was interrupted: checked first)");
    assert.deepStrictEqual(s.steps.slice(4), fresh.slice(4), "the steps still to run read as a fresh plan's");
    assert.strictEqual(s.steps[0], fresh[0].replace(": [", `: (done in run ${run}) [`));
  });

  it("a run interrupted between steps has no step in flight: only the finished ones are marked", () => {
    const s = planSummary(plan, groupmax, undefined, { run, next: 2 });
    assert.strictEqual(s.steps.filter((l) => l.includes("(done in run")).length, 2);
    assert.ok(!s.steps.some((l) => l.includes("in flight")));
  });

  it("the interrupted run's chain and the chain after it read as one plan, from the run's start to the target", () => {
    const first = planUpgrade(groupmax, { installed: "02-01", target: "06-00", platform: "linux", options: { installers } });
    const none = planUpgrade(groupmax, { installed: "06-00", target: "06-00", platform: "linux", options: { installers } });
    const both = resumedPlan(first, none);
    assert.strictEqual(both.from, "02-01");
    assert.strictEqual(both.to, "06-00");
    assert.deepStrictEqual(both.steps, first.steps);
    assert.deepStrictEqual(both.hops, first.hops);
  });

  it("a run interrupted short of the target is followed by the chain from where it ends", () => {
    const first = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.0", platform: "linux" });
    const rest = planUpgrade(omflow, { installed: "1.2.0.0", target: "1.2.0.1", platform: "linux" });
    const both = resumedPlan(first, rest);
    assert.deepStrictEqual([both.from, both.to], ["1.1.6.1", "1.2.0.1"]);
    assert.deepStrictEqual(
      both.hops.map((h) => `${h.from}->${h.to}`),
      ["1.1.6.1->1.2.0.0", "1.2.0.0->1.2.0.1"],
    );
    assert.deepStrictEqual(both.steps, [...first.steps, ...rest.steps]);
  });
});

describe("preview shows what a failed hop runs", () => {
  it("with the plan's context, each hop's restore and recovery steps are listed with their provenance (an Altazion module: its folder put back, its pools started)", () => {
    const from = "ecommerce=5.1.0.0";
    const to = "ecommerce=5.2.0.0";
    const options = { modules: [{ name: "ecommerce", target: "latest", folder: "/srv/altazion/ecommerce", pools: ["EC"] }] };
    const ctx = { platform: "linux" as const, releases: [from, to], options };
    const p = planUpgrade(altazion, { installed: from, target: to, platform: "linux", releases: ctx.releases, options });
    const s = planSummary(p, altazion, undefined, undefined, ctx);
    assert.deepStrictEqual(s.onFailure, [
      "ecommerce 5.1.0.0->5.2.0.0 on failure restore: [restore] Put /srv/altazion/ecommerce back as it was before ecommerce 5.2.0.0 <- safety",
      "ecommerce 5.1.0.0->5.2.0.0 on failure pools-recover: [run] Start EC again <- document 003 (Que faire si ? / L'installation d'une version boucle et ne se fait pas)",
      'ecommerce 5.1.0.0->5.2.0.0 on failure maintenance-recover: [run] Take ecommerce out of maintenance <- document 003 (Que faire si ? / Après installation, le site reste "en maintenance")',
    ]);
    assert.strictEqual(planSummary(p, altazion).onFailure, undefined, "without the context (no host looked at), nothing is claimed");
  });
});
