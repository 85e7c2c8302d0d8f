// The site's part of a hop's success: with versionCommand, each hop's verify ends with a check that
// it prints the hop's target, in the verify step's shell; without it, the catalog's criterion alone.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { getCatalog } from "../../../../providers/catalogs";
import { Hop, Step, shStep } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { VERSION_CHECK_ID, versionCheckStep, withVersionCheck } from "../../../../providers/engine/planning/versionCheck";
import { tempDir } from "../../../support/localHost";
import { assertParses } from "../../../support/psParse";
import { TEST_STEP } from "../../../support/testProvenance";

const hop: Hop = { from: "1.1.6.1", to: "1.1.6.3", rule: { id: "r", text: "t", source: "s" } };
const step = (id: string, action: "run" | "verify" | "backup"): Step =>
  shStep({ provenance: TEST_STEP, id, action, title: id, commands: [`: ${id}`], destructive: false });

describe("the versionCommand check run by sh", () => {
  let dir: string;
  before(() => (dir = tempDir("upchain-version-check-")));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const runCheck = (command: string) => spawnSync("sh", ["-c", versionCheckStep(hop, "sh", command).commands[0]], { cwd: dir, encoding: "utf8" });

  it("passes when the command prints the hop's target, blanks and newline aside", () => {
    assert.strictEqual(runCheck("printf ' 1.1.6.3\\n'").status, 0);
  });

  it("fails when the command prints another version, saying which target it wanted and not what it printed", () => {
    const r = runCheck("echo 1.1.6.1");
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /versionCommand does not print 1\.1\.6\.3 after the hop \(its output is not shown/);
    assert.doesNotMatch(r.stderr + r.stdout, /1\.1\.6\.1/);
  });

  it("passes a longer dotted spelling of the target (Oracle's 10.1.2.0.2 is the release 10.1.2), not a longer number", () => {
    assert.strictEqual(runCheck("echo 1.1.6.3.0").status, 0);
    assert.strictEqual(runCheck("echo 1.1.6.30").status, 1);
  });

  it("fails when the command fails, and its error output is not shown either", () => {
    const r = runCheck("echo secret-ish >&2; exit 4");
    assert.notStrictEqual(r.status, 0);
    assert.doesNotMatch(r.stderr, /secret-ish/);
  });

  it("runs the site's command as one word: quotes, $() and ; in it stay in it", () => {
    const file = path.join(dir, "it's $(here); v");
    fs.writeFileSync(file, "1.1.6.3\n");
    assert.strictEqual(runCheck(`cat "${file.replace(/(["$`\\])/g, "\\$1")}"`).status, 0);
    assert.ok(!fs.existsSync(path.join(dir, "here")));
  });
});

describe("the versionCommand check rendered for PowerShell", () => {
  it("parses, with a command that holds quotes, typographic quotes and a script block of its own", () => {
    for (const command of [
      "(Get-ItemProperty 'HKLM:\\SOFTWARE\\OMFLOW').Version",
      "& { 'it''s' ; \u2019x\u2019 }",
      "Get-Content -LiteralPath 'C:\\Program Files\\OMFLOW Server\\ver.txt'",
    ]) {
      const s = versionCheckStep(hop, "powershell", command);
      assert.strictEqual(s.shell, "powershell");
      assertParses(s.commands[0], `the check of ${command}`);
    }
  });
});

describe("where the check goes in a hop", () => {
  it("right after the hop's last verify step, in that step's shell", () => {
    const steps = [step("backup", "backup"), step("run", "run"), step("verify", "verify"), step("notify", "run")];
    const out = withVersionCheck(steps, hop, "powershell", "v");
    assert.deepStrictEqual(
      out.map((s) => s.id),
      ["backup", "run", "verify", VERSION_CHECK_ID, "notify"],
    );
    assert.strictEqual(out[3].shell, "sh");
  });

  it("at the end, in the platform's shell, when the hop has no verify step", () => {
    const out = withVersionCheck([step("run", "run")], hop, "powershell", "v");
    assert.deepStrictEqual(
      out.map((s) => [s.id, s.shell]),
      [
        ["run", "sh"],
        [VERSION_CHECK_ID, "powershell"],
      ],
    );
  });

  it("is a verify step that changes nothing and names the site's field as its provenance", () => {
    const s = versionCheckStep(hop, "sh", "v");
    assert.strictEqual(s.action, "verify");
    assert.strictEqual(s.destructive, false);
    assert.deepStrictEqual(s.provenance && { kind: s.provenance.kind, field: (s.provenance as { field: string }).field }, {
      kind: "site",
      field: "versionCommand",
    });
  });
});

describe("the planner and versionCommand", () => {
  const omflow = getCatalog("omflow");
  for (const platform of ["linux", "windows"] as const) {
    it(`on ${platform}, every hop of an OMFLOW chain ends its verify with the check of its own target`, () => {
      const plan = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.1", platform, versionCommand: "omflow-version" });
      for (const h of plan.hops) {
        const hopSteps = plan.steps.filter((s) => s.hop === `${h.from}->${h.to}`);
        const check = hopSteps.find((s) => s.id === VERSION_CHECK_ID);
        assert.ok(check, `${h.from}->${h.to} has the check`);
        assert.ok(check.commands[0].includes(h.to), `${h.from}->${h.to}'s check wants ${h.to}`);
        assert.strictEqual(check.shell, platform === "windows" ? "powershell" : "sh");
      }
    });
  }

  it("without versionCommand no check is added: the hop's verify is the catalog's own criterion only", () => {
    const plan = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.1", platform: "linux" });
    assert.ok(!plan.steps.some((s) => s.id === VERSION_CHECK_ID));
  });
});
