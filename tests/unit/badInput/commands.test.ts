// Bad input, commands (issue 7): Groupmax's installers, the Address_Mail setup and the reboot
// command are the site's own shell (or PowerShell) text, so they are accepted as given. What must
// hold is where they go: each lands as one whole command of its own step, verbatim, and nowhere else
// (never spliced into another command, a title or a detail). Proven by rendering the chain with the
// hostile text and with a unique canary: the two plans are equal once the canary's commands are
// replaced by the text.
import * as assert from "assert";
import * as fc from "fast-check";
import { Step } from "../../../providers/engine/planning/catalog";
import { RUNS, hostileText, tally, withNul, withoutNul } from "../../support/hostile";
import { products, verdict } from "../../support/hostileRender";

const CANARY = "upchain_canary_command_7f3a9";

const fields: { label: string; set: (o: Record<string, unknown>, v: string) => Record<string, unknown>; stepId: string }[] = [
  {
    label: "options.installers.objectServer",
    set: (o, v) => ({ ...o, installers: { ...(o.installers as Record<string, unknown>), objectServer: v } }),
    stepId: "install-object-server",
  },
  {
    label: "options.installers.addressServer",
    set: (o, v) => ({ ...o, installers: { ...(o.installers as Record<string, unknown>), addressServer: v } }),
    stepId: "install-address-server",
  },
  {
    label: "options.installers.mailServer",
    set: (o, v) => ({ ...o, installers: { ...(o.installers as Record<string, unknown>), mailServer: v } }),
    stepId: "install-mail-server",
  },
  { label: "options.addressMailSetup", set: (o, v) => ({ ...o, addressMailSetup: v }), stepId: "address-mail-setup" },
  { label: "options.rebootCommand", set: (o, v) => ({ ...o, rebootCommand: v }), stepId: "reboot" },
];

/** The steps with every command that is exactly `from` replaced by `to`. */
const replaced = (steps: Step[], from: string, to: string) => steps.map((s) => ({ ...s, commands: s.commands.map((c) => (c === from ? to : c)) }));

describe("bad input: commands", function () {
  this.timeout(60_000);

  for (const name of ["groupmax linux", "groupmax windows"]) {
    const p = products[name];
    for (const f of fields) {
      it(`${name}: a hostile ${f.label} lands verbatim as a whole command of step ${f.stepId} and nowhere else, or is refused naming it`, () => {
        const canary = verdict(p, f.set(p.base, CANARY));
        assert.strictEqual(canary.kind, "rendered");
        if (canary.kind !== "rendered") return;
        // the canary is where the text goes, and only there
        const whole = canary.steps.flatMap((s) => s.commands.filter((c) => c === CANARY).map(() => s.id));
        assert.ok(whole.includes(f.stepId), `the canary is not a command of ${f.stepId}: ${whole}`);
        const elsewhere = JSON.stringify(replaced(canary.steps, CANARY, "")).includes(CANARY);
        assert.ok(!elsewhere, "the canary also appears inside another command, a title or a detail");

        fc.assert(
          fc.property(withoutNul(hostileText), (v) => {
            const r = verdict(p, f.set(p.base, v));
            if (r.kind === "crashed") assert.fail(`crashed: ${(r.error as Error)?.message}`);
            if (r.kind === "refused") {
              tally("commands", "refused");
              return assert.ok(
                r.problems.some((pr) => pr.path === f.label),
                `refused without naming ${f.label}: ${JSON.stringify(r.problems)}`,
              );
            }
            const given = v.trim(); // the schema trims the site's command
            assert.ok(given.length > 0, "an empty command was accepted");
            assert.deepStrictEqual(r.steps, replaced(canary.steps, CANARY, given));
            tally("commands", "command");
          }),
          RUNS,
        );
      });
    }

    // dash drops a NUL byte from a script without a word (`echo a\0b` prints "ab") and bash refuses
    // the file: such a command cannot run as given, so preview must say so
    it(`${name}: a site's command holding a NUL byte is refused naming its field (every command field)`, () => {
      fc.assert(
        fc.property(withNul(hostileText), (v) => {
          const accepted = fields.filter((f) => {
            const r = verdict(p, f.set(p.base, v));
            tally("commands", r.kind === "refused" ? "refused" : "command");
            return !(r.kind === "refused" && r.problems.some((pr) => pr.path === f.label));
          });
          assert.deepStrictEqual(
            accepted.map((f) => f.label),
            [],
            `${JSON.stringify(v).slice(0, 100)} is not refused in these fields`,
          );
        }),
        RUNS,
      );
    });
  }
});
