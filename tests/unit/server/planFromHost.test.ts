// From what the host says to the chain, as preview, up, and up finishing an interrupted run plan it:
// a table of planFromHost's cases on a fake host that answers by command, then up's own refusals.
import * as assert from "assert";
import { Catalog } from "../../../providers/engine/planning/catalog";
import { Journal, newJournal } from "../../../providers/engine/running/journal";
import { planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
import { PlanStart, planFromHost, runnable } from "../../../providers/server/planFromHost";
import { ServerInputs } from "../../../providers/server/schema";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { counter } from "../../support/counterCatalog";

const PROBE = /counter\/VERSION/;
const OFFER = /counter\/OFFER/;

// a counter whose host offers its latest release, as an update service does: "latest" resolves to it
const offering: Catalog = {
  ...counter,
  offers: () => ({
    shell: "sh",
    command: "cat /opt/counter/OFFER",
    read: (r, _installed, target) => ({ releases: [r.stdout.trim()], target: target === "latest" ? r.stdout.trim() : target }),
  }),
};
// a counter whose hops need a file from the user that nobody gave
const needingPatch: Catalog = {
  ...counter,
  preflight: (hops) => (hops.length ? [{ path: "options.patchDir", message: "give the folder of the patches" }] : []),
};

/** A host running `installed` whose update service offers `offer`; what it was asked, in order, lands in `ran`. */
function hostAt(installed: string, offer = "") {
  const ran: string[] = [];
  const host = {
    label: "root@c1:22",
    exec: async (command: string) => {
      ran.push(PROBE.test(command) ? "probe" : OFFER.test(command) ? "offer" : command);
      return { code: 0, signal: null, stdout: PROBE.test(command) ? `${installed}\n` : OFFER.test(command) ? `${offer}\n` : "", stderr: "" };
    },
  } as unknown as RemoteHost;
  return { host, ran };
}

const server = (target: string, extra: Record<string, unknown> = {}) =>
  ({ product: "counter", platform: "linux", target, options: {}, secretEnv: {}, ...extra }) as unknown as ServerInputs;
const interrupted = (catalog: Catalog, from: string, to: string, keepChain: boolean): Journal => {
  const j = newJournal("20261123T101500-a1b2c3", planUpgrade(catalog, { installed: from, target: to, platform: "linux" }));
  if (keepChain) return j;
  const { chain: _dropped, ...withoutChain } = j;
  return withoutChain;
};
const gate = (proven: string[]) => ({ promotion: { from: "staging", proven, server: "c1" } });

interface Case {
  scenario: string;
  catalog: Catalog;
  host: [installed: string, offer?: string];
  server: ServerInputs;
  start: PlanStart;
  /** the chain planned, as from, to and hops; or the refusal's code */
  expect: { chain: [string, string, string[]]; ran: string[]; unproven?: RegExp; missing?: string[] } | { code: string; ran: string[] };
}

const hops = (...labels: string[]) => labels;
const cases: Case[] = [
  {
    scenario: "preview of a product with a documented probe and no update service: from the version probed to the target, and the probe is all that is read",
    catalog: counter,
    host: ["3"],
    server: server("5"),
    start: { at: "preview" },
    expect: { chain: ["3", "5", hops("3->4", "4->5")], ran: ["probe"] },
  },
  {
    scenario: "preview on a host with an update service: latest is what it offers, its offer added to the releases the chain may use",
    catalog: offering,
    host: ["3", "6"],
    server: server("latest"),
    start: { at: "preview" },
    expect: { chain: ["3", "6", hops("3->4", "4->5", "5->6")], ran: ["probe", "offer"] },
  },
  {
    scenario: "a host already at its target: no hop, and no proof asked of the environment it is promoted from",
    catalog: counter,
    host: ["4"],
    server: server("4", gate([])),
    start: { at: "preview" },
    expect: { chain: ["4", "4", []], ran: ["probe"] },
  },
  {
    scenario: "a change the environment promoted from has not run is returned as unproven, not thrown",
    catalog: counter,
    host: ["3"],
    server: server("4", gate(["3"])),
    start: { at: "preview" },
    expect: { chain: ["3", "4", hops("3->4")], ran: ["probe"], unproven: /^4 is not yet run successfully by the stack it is promoted from \(staging\)/ },
  },
  {
    scenario: "an input the chain needs and nobody gave is returned as missing, not thrown",
    catalog: needingPatch,
    host: ["3"],
    server: server("4"),
    start: { at: "preview" },
    expect: { chain: ["3", "4", hops("3->4")], ran: ["probe"], missing: ["options.patchDir"] },
  },
  {
    scenario: "a cluster member's stage at preview: its hops from the stop the member before it reaches",
    catalog: counter,
    host: ["2"],
    server: server("5", { pool: { upTo: "4", after: "3" } }),
    start: { at: "preview" },
    expect: { chain: ["3", "4", hops("3->4")], ran: ["probe"] },
  },
  {
    scenario: "the same stage at up: from where the member is, to the stage's stop",
    catalog: counter,
    host: ["2"],
    server: server("5", { pool: { upTo: "4", after: "3" } }),
    start: { at: "up" },
    expect: { chain: ["2", "4", hops("2->3", "3->4")], ran: ["probe"] },
  },
  {
    scenario: "up, the host still resolving the alias to what preview resolved: that chain",
    catalog: offering,
    host: ["3", "4"],
    server: server("latest"),
    start: { at: "up", previewed: "4" },
    expect: { chain: ["3", "4", hops("3->4")], ran: ["probe", "offer"] },
  },
  {
    scenario: "up, the host now resolving the alias to a version preview never showed: PLAN_CHANGED",
    catalog: offering,
    host: ["3", "5"],
    server: server("latest"),
    start: { at: "up", previewed: "4" },
    expect: { code: "PLAN_CHANGED", ran: ["probe", "offer"] },
  },
  {
    scenario: "resuming a run whose journal keeps its chain: planned from the journal alone, nothing is read on the host",
    catalog: offering,
    host: ["3", "6"],
    server: server("latest"),
    start: { at: "resume", journal: interrupted(counter, "2", "4", true), where: "root@c1:22:/var/lib/upchain/counter.journal.json" },
    expect: { chain: ["2", "4", hops("2->3", "3->4")], ran: [] },
  },
  {
    scenario: "resuming a run whose journal has no chain: the host's offer is read for the releases, and the journal's versions are planned",
    catalog: offering,
    host: ["3", "6"],
    server: server("latest"),
    start: { at: "resume", journal: interrupted(counter, "2", "4", false), where: "root@c1:22:/var/lib/upchain/counter.journal.json" },
    expect: { chain: ["2", "4", hops("2->3", "3->4")], ran: ["probe", "offer"] },
  },
  {
    scenario: "resuming a run whose versions the stack can no longer plan: JOURNAL_INVALID",
    catalog: counter,
    host: ["3"],
    server: server("4", { releases: ["1", "2"] }),
    start: { at: "resume", journal: interrupted(counter, "2", "4", false), where: "root@c1:22:/var/lib/upchain/counter.journal.json" },
    expect: { code: "JOURNAL_INVALID", ran: ["probe"] },
  },
];

describe("planFromHost: the installed version probed, the host's offer read, the chain planned", () => {
  for (const c of cases) {
    it(c.scenario, async () => {
      const { host, ran } = hostAt(...c.host);
      const planned = planFromHost(host, c.catalog, c.server, { journalName: "counter" }, c.start);
      if ("code" in c.expect) {
        const e = await planned.then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.ok(isUpchainError(e, c.expect.code as never), String(e));
      } else {
        const p = await planned;
        assert.deepStrictEqual([p.plan.from, p.plan.to, p.plan.hops.map((h) => `${h.from}->${h.to}`)], c.expect.chain);
        if (c.expect.unproven) assert.match(p.unproven ?? "", c.expect.unproven);
        else assert.strictEqual(p.unproven, undefined);
        assert.deepStrictEqual(
          p.missing.map((m) => m.path),
          c.expect.missing ?? [],
        );
      }
      assert.deepStrictEqual(ran, c.expect.ran);
    });
  }

  it("preview is told the installed version and where it came from before the host's offer is read", async () => {
    const { host, ran } = hostAt("3", "4");
    const told: string[] = [];
    await planFromHost(
      host,
      offering,
      server("latest", { current: "3" }),
      { journalName: "counter" },
      { at: "preview", onInstalled: (f) => told.push(`${f.version} from ${f.source.kind} after ${ran.join(",")}`) },
    );
    assert.deepStrictEqual(told, ["3 from document after probe"]);
    assert.deepStrictEqual(ran, ["probe", "offer"]);
  });
});

describe("up runs what preview resolved and gated (issue 19: the promotion gate at up)", () => {
  /** The chain up runs on a host at 3 whose update service offers `latest` now; `previewed` is check's resolvedTarget. */
  const upPlan = async (latest: string, s: ServerInputs, previewed: string | undefined) =>
    runnable("root@c1:22", await planFromHost(hostAt("3", latest).host, offering, s, { journalName: "counter" }, { at: "up", previewed }));
  const promoted = (target: string, proven: string[], override?: string) =>
    server(target, { promotion: { from: "staging", proven, server: "c1", ...(override ? { override } : {}) } });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      (plan) => assert.fail(`up would run ${JSON.stringify((plan as { to?: string }).to)}`),
      (e: unknown) => e,
    );

  it("latest resolved to 4 at preview (which staging runs) and to 5 at up (which it never ran): nothing is run, and the message says why", async () => {
    const e = await refusal(upPlan("5", promoted("latest", ["4"]), "4"));
    assert.ok(isUpchainError(e, "PLAN_CHANGED"), String(e));
    assert.match(
      e.message,
      /^root@c1:22: preview resolved the target latest to 4, but the host now resolves it to 5: up runs only what preview showed and checked, and nothing was run\. /,
    );
    assert.match(e.message, /run pulumi up again: it previews 5 and checks it \(the promotion gate included\) before anything runs/);
  });

  it("a host already at its target at preview (no gate) that is found back at 3 at up is gated again: NOT_PROMOTED, nothing run", async () => {
    const e = await refusal(upPlan("4", promoted("4", ["3"]), undefined));
    assert.ok(isUpchainError(e, "NOT_PROMOTED"), String(e));
    assert.match(e.message, /^root@c1:22: 4 is not yet run successfully by the stack it is promoted from \(staging\) for counter: it runs 3\. /);
  });

  it("what preview resolved, still offered and run by staging, is what up plans", async () => {
    const plan = await upPlan("4", promoted("latest", ["4"]), "4");
    assert.deepStrictEqual([plan.from, plan.to], ["3", "4"]);
  });

  it("an override lets a target staging does not run through at up, as it does at preview", async () => {
    const plan = await upPlan("4", promoted("4", [], "CVE-2026-0001, change 4711"), undefined);
    assert.strictEqual(plan.to, "4");
  });

  it("an input the chain needs and nobody gave is refused at up, naming it, before anything runs", async () => {
    const e = await refusal(
      planFromHost(hostAt("3").host, needingPatch, server("4"), { journalName: "counter" }, { at: "up" }).then((p) => runnable("root@c1:22", p)),
    );
    assert.ok(isUpchainError(e, "INVALID_INPUT"), String(e));
    assert.strictEqual(e.message, "options.patchDir: give the folder of the patches");
    assert.deepStrictEqual(e.path, ["options.patchDir"]);
  });
});
