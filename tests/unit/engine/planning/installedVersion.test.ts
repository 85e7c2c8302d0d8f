// Where the installed version comes from, in order: the document, the site's versionCommand, the
// version tracked since the last run, the stack's current; and what a run reached.
import * as assert from "assert";
import { getCatalog } from "../../../../providers/catalogs";
import { Catalog, PlanContext } from "../../../../providers/engine/planning/catalog";
import {
  VersionSources,
  currentProblems,
  noVersionSourceProblem,
  readSiteVersion,
  readsTheHost,
  trustingNote,
  versionReached,
  versionSource,
} from "../../../../providers/engine/planning/installedVersion";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { counter } from "../../../support/counterCatalog";

const linux: PlanContext = { platform: "linux", releases: [], options: {} };
const windows: PlanContext = { ...linux, platform: "windows" };
const omflow = getCatalog("omflow");
// the counter catalog without its probe: a product whose documents name no version source
const undocumented: Catalog = { ...counter, probeVersion: undefined };

describe("the installed version's source, in the order of issue 17", () => {
  const all: VersionSources = { versionCommand: "omflow-version", current: "1.1.5.0", tracked: "1.1.6.1" };
  const cases: { name: string; catalog: Catalog; ctx?: PlanContext; sources: VersionSources; want: unknown }[] = [
    {
      name: "a documented source wins over every stack field and the state",
      catalog: counter,
      sources: { versionCommand: "x", current: "1", tracked: "2" },
      want: { kind: "document", probe: counter.probeVersion!(linux) },
    },
    {
      name: "without a documented source, the site's versionCommand wins over the state and current",
      catalog: omflow,
      sources: all,
      want: { kind: "site", probe: { shell: "sh", command: "omflow-version" } },
    },
    {
      name: "a Windows server's versionCommand runs in PowerShell",
      catalog: omflow,
      ctx: windows,
      sources: all,
      want: { kind: "site", probe: { shell: "powershell", command: "omflow-version" } },
    },
    {
      name: "without versionCommand, the version tracked since the last run wins over current",
      catalog: omflow,
      sources: { current: "1.1.5.0", tracked: "1.1.6.1" },
      want: { kind: "tracked", version: "1.1.6.1" },
    },
    {
      name: "on first adoption (nothing tracked), the stack's current is trusted",
      catalog: omflow,
      sources: { current: " 1.1.5.0 " },
      want: { kind: "declared", version: "1.1.5.0" },
    },
    {
      name: "a tracked value that is not a version (the state's 'unknown') is passed over for current",
      catalog: omflow,
      sources: { current: "1.1.5.0", tracked: "unknown" },
      want: { kind: "declared", version: "1.1.5.0" },
    },
    {
      name: "an empty versionCommand is no command",
      catalog: omflow,
      sources: { versionCommand: "", current: "1.1.5.0" },
      want: { kind: "declared", version: "1.1.5.0" },
    },
    { name: "with no source at all there is none", catalog: omflow, sources: {}, want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepStrictEqual(versionSource(c.catalog, c.ctx ?? linux, c.sources), c.want));
  }

  it("only the document's and the site's sources are read on the host", () => {
    assert.deepStrictEqual(
      [
        versionSource(counter, linux, {}),
        versionSource(omflow, linux, { versionCommand: "v" }),
        versionSource(omflow, linux, { tracked: "1.1.6.1" }),
        versionSource(omflow, linux, { current: "1.1.6.1" }),
      ].map(readsTheHost),
      [true, true, false, false],
    );
  });

  it("no product names a documented source: OMFLOW, Groupmax, Oracle AS (004 names no version file) and Altazion Office (003's status.xml holds only what the service detected)", () => {
    const probes = ["omflow", "groupmax", "oracle-as", "altazion-office"].map((p) => typeof getCatalog(p).probeVersion);
    assert.deepStrictEqual(probes, ["undefined", "undefined", "undefined", "undefined"]);
  });

  it("no source at all is refused naming both fields and what each is", () => {
    const p = noVersionSourceProblem(omflow);
    assert.strictEqual(p.path, "versionCommand");
    assert.match(p.message, /give versionCommand \(the site's read-only command that prints it, run as root in the platform's shell\)/);
    assert.match(p.message, /or current \(the version the server runs today, trusted on first adoption and then tracked in the state\)/);
  });
});

describe("a versionCommand's output is data: checked as a version, never repeated", () => {
  const table: { name: string; printed: string; want: RegExp | string }[] = [
    { name: "a version with a newline after it is the version", printed: "1.1.6.3\n", want: "1.1.6.3" },
    { name: "nothing printed is refused", printed: " \n", want: /^printed nothing; it must print the installed version alone, as an OMFLOW version/ },
    { name: "more than a version's length is refused by its size", printed: "1".repeat(65), want: /^printed 65 characters, more than a version has/ },
    { name: "several lines are refused", printed: "1.1.6.3\n1.1.6.4", want: /^printed several lines/ },
    { name: "control characters are refused as not printable", printed: "1.1.6.3\u001b[2J", want: /^printed characters that are not printable text/ },
    {
      name: "printable text that is not a version is refused without quoting it",
      printed: "OMFLOW Server 1.1.6.3",
      want: /^printed text that is not an OMFLOW version \(not shown: the output is data\)/,
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const r = readSiteVersion(omflow, c.printed);
      if (typeof c.want === "string") return assert.deepStrictEqual(r, { version: c.want });
      assert.ok("problem" in r, JSON.stringify(r));
      assert.match(r.problem, c.want);
      if (c.printed.trim()) assert.ok(!r.problem.includes(c.printed.trim()), `the output is never repeated: ${r.problem}`);
    });
  }
});

describe("a declared current", () => {
  it("that is a version of the product's scheme has no problem, and one that is not names current and the scheme", () => {
    assert.deepStrictEqual(currentProblems(omflow, "1.1.6.1"), []);
    assert.deepStrictEqual(currentProblems(omflow, undefined), []);
    assert.deepStrictEqual(currentProblems(omflow, "1.1"), [
      { path: "current", message: '"1.1" is not an OMFLOW version (4 numbers separated by dots, like 1.2.0.1)' },
    ]);
  });
  it("a long or unprintable value is not repeated", () => {
    const [p] = currentProblems(omflow, "$(rm -rf /)\n".repeat(5));
    assert.match(p.message, /^the value given is not an OMFLOW version/);
  });
});

describe("preview's plain word on a version it did not read", () => {
  it("a declared current: trusting the stack, and how to read it instead", () => {
    assert.strictEqual(
      trustingNote("10.0.0.5", { kind: "declared", version: "1.1.6.1" }),
      "trusting the stack: 10.0.0.5 runs 1.1.6.1 (no documented way to read it; give versionCommand to read it)",
    );
  });
  it("a tracked version says it is the last run's, and that a different current is no longer trusted", () => {
    assert.match(trustingNote("h", { kind: "tracked", version: "1.1.6.3" })!, /^from the state: h runs 1\.1\.6\.3, the version upchain's last run reached/);
    assert.match(trustingNote("h", { kind: "tracked", version: "1.1.6.3" }, "1.1.6.1")!, /current \(1\.1\.6\.1\) is trusted on first adoption only/);
    assert.doesNotMatch(trustingNote("h", { kind: "tracked", version: "1.1.6.3" }, "1.1.6.3")!, /current/);
  });
  it("a version read on the host needs no word", () => {
    assert.strictEqual(trustingNote("h", { kind: "site", probe: { shell: "sh", command: "v" } }), undefined);
  });
});

describe("the version a run reached, from its journal", () => {
  const plan = planUpgrade(undocumented, { installed: "1", target: "4", platform: "linux" });
  const first = (hop: string) => plan.steps.findIndex((s) => s.hop === hop);
  const cases: { name: string; journal?: { status: "running" | "done" | "restored" | "restore-failed" | "stopped"; next: number }; want: string }[] = [
    { name: "a finished run reached its target", journal: { status: "done", next: plan.steps.length }, want: "4" },
    {
      name: "a run whose second hop failed and was restored reached the end of its first hop",
      journal: { status: "restored", next: first("2->3") + 1 },
      want: "2",
    },
    { name: "a run whose first hop failed is where it started", journal: { status: "restored", next: 1 }, want: "1" },
    { name: "a run stopped between hops reached the end of the last hop it finished", journal: { status: "stopped", next: first("3->4") }, want: "3" },
    { name: "a run that never wrote its journal is where it started", journal: undefined, want: "1" },
  ];
  for (const c of cases) it(c.name, () => assert.strictEqual(versionReached(plan, c.journal), c.want));
});
