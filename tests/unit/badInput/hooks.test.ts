// Bad input, hook names (issue 7): the names under which a site's own commands and secrets hook into
// a run. An installer's key picks the step its command runs in, a stepTimeouts key the step whose
// deadline it sets, a secretEnv key (UPCHAIN_SECRET_X) and an upchain:secrets name become environment
// variables in the step's shell on the host. Each hostile name is refused naming it, with the rule
// (never zod's bare "Invalid key in record"), or accepted only when it is exactly a legal name.
import * as assert from "assert";
import * as fc from "fast-check";
import { fieldPath } from "../../../providers/options/problems";
// the look itself: failures by the provider's own property names (check renames them, see fields.test.ts)
import { checkNow as check } from "../../../providers/server/preview";
import { parseStackConfig } from "../../../stacks/config";
import { configField } from "../../../stacks/issues";
import { declaredSecrets } from "../../../stacks/secrets";
import { isUpchainError } from "../../../providers/errors";
import { RUNS, hostileText, tally } from "../../support/hostile";
import { products, verdict } from "../../support/hostileRender";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDSa840jTJVh7laKPZbIWcAvwveos2hhuAeyGGbXWzwN";

/** Hostile text, and legal names with hostile text around them. */
const hostileName = (legal: string[]) =>
  fc.oneof(
    hostileText,
    fc.tuple(hostileText, fc.constantFrom(...legal), hostileText).map(([a, n, b]) => a + n + b),
    fc.constantFrom(...legal).map((n) => n.toUpperCase()),
  );

const INSTALLERS = ["objectServer", "addressServer", "mailServer"];
const STEP_KEY = /^[a-z0-9-]+$/;
const SECRET_VARIABLE = /^UPCHAIN_SECRET_[A-Z0-9_]+$/;
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A refusal names the rule, not zod's generic words. */
const saysTheRule = (reason: string) => assert.doesNotMatch(reason, /Invalid key in record|ZodError|"code":/, reason);

describe("bad input: hook names", function () {
  this.timeout(60_000);

  for (const name of ["groupmax linux", "groupmax windows"]) {
    it(`${name}: a hostile installers key is refused naming it and the legal keys, or is exactly one of them`, () => {
      const p = products[name];
      fc.assert(
        fc.property(hostileName(INSTALLERS), (key) => {
          const r = verdict(p, { ...p.base, installers: { ...(p.base.installers as Record<string, unknown>), [key]: "install it" } });
          if (r.kind === "crashed") assert.fail(`crashed: ${(r.error as Error)?.message}`);
          if (r.kind === "rendered") {
            tally("hook names", "literal");
            return assert.ok(INSTALLERS.includes(key), `${JSON.stringify(key)} accepted`);
          }
          tally("hook names", "refused");
          const named = r.problems.find((pr) => pr.path === fieldPath(["options", "installers", key]));
          assert.ok(named, `refused without naming it: ${JSON.stringify(r.problems).slice(0, 300)}`);
          assert.match(
            named.message,
            /is not an option; (did you mean `(objectServer|addressServer|mailServer)`\?|the options here are `objectServer`, `addressServer`, `mailServer`)/,
          );
        }),
        RUNS,
      );
    });
  }

  it("a hostile stepTimeouts key is refused at preview naming it and the rule, or is a plain step id", async () => {
    await fc.assert(
      fc.asyncProperty(hostileName(["backup", "run", "verify", "restore", "run-patch"]), async (key) => {
        const r = await check({}, { product: "omflow", target: "1.2.0.1", stepTimeouts: { [key]: 60 }, connection: { host: "192.0.2.10", hostKey: HOST_KEY } });
        const named = r.failures?.find((f) => f.property === `stepTimeouts.${key}`);
        tally("hook names", named ? "refused" : "literal");
        if (!named) return assert.match(key, STEP_KEY);
        saysTheRule(named.reason);
        assert.match(named.reason, /lowercase letters, digits and "-"/);
      }),
      RUNS,
    );
  });

  it("a hostile stepTimeouts key in the stack config is refused naming it and the rule, or is a plain step id", () => {
    fc.assert(
      fc.property(hostileName(["backup", "run-patch"]), (key) => {
        const server = { name: "wf-1", host: "192.0.2.10", hostKey: HOST_KEY, product: "omflow", version: "1.2.0.1", stepTimeouts: { [key]: 60 } };
        try {
          parseStackConfig({ servers: [server] });
        } catch (e) {
          tally("hook names", "refused");
          assert.ok(isUpchainError(e, "INVALID_INPUT"), `thrown raw: ${(e as Error)?.message}`);
          assert.ok(e.message.includes(configField(["servers", 0, "stepTimeouts", key]) + ":"), e.message.slice(0, 300));
          saysTheRule(e.message);
          return;
        }
        tally("hook names", "literal");
        assert.match(key, STEP_KEY);
      }),
      RUNS,
    );
  });

  it("a hostile secretEnv variable is refused at preview naming it and the rule, or is UPCHAIN_SECRET_ and capitals", async () => {
    await fc.assert(
      fc.asyncProperty(hostileName(["UPCHAIN_SECRET_MAILPW", "UPCHAIN_SECRET_"]), async (key) => {
        const r = await check(
          {},
          { product: "omflow", target: "1.2.0.1", secretEnv: { [key]: "v4lue" }, connection: { host: "192.0.2.10", hostKey: HOST_KEY } },
        );
        const named = r.failures?.find((f) => f.property === `secretEnv.${key}`);
        tally("hook names", named ? "refused" : "literal");
        if (!named) return assert.match(key, SECRET_VARIABLE);
        saysTheRule(named.reason);
        assert.match(named.reason, /UPCHAIN_SECRET_ and then capitals, digits and "_"/);
      }),
      RUNS,
    );
  });

  it("a hostile upchain:secrets name is refused naming it and the rule, or is a plain name", () => {
    fc.assert(
      fc.property(hostileName(["mailAdminPassword", "db_pw"]), (name) => {
        const { names, issues } = declaredSecrets({ [name]: "s3cr3t-v4lue" });
        tally("hook names", issues.length ? "refused" : "literal");
        if (!issues.length) return assert.ok(SECRET_NAME.test(name) && names.includes(name), JSON.stringify(name));
        assert.deepStrictEqual(issues[0].path, ["secrets", name]);
        assert.match(issues[0].message, /starts with a letter and has only letters, digits and '_'/);
        assert.ok(!issues[0].message.includes("s3cr3t-v4lue"), "the message never holds the secret's value");
      }),
      RUNS,
    );
  });
});
