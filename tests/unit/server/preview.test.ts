// Preview's checks that need no host: every problem of the fields and options at once, before any
// connection, and secret references that have no value.
import * as assert from "assert";
// the look itself: failures by the provider's own property names (check renames them, see fields.test.ts)
import { checkNow as check, unresolvedSecretReferences } from "../../../providers/server/preview";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
// 192.0.2.0/24 is TEST-NET-1: nothing answers there, so a check that tried to connect would fail differently
const base = { product: "groupmax", target: "06-00", connection: { host: "192.0.2.10", hostKey }, privateKey: "not-a-real-key" };

describe("the Server provider's checks before any connection", function () {
  this.timeout(10_000);

  it("reports every bad field at once, without connecting", async () => {
    const r = await check({}, { ...base, lockTimeoutSeconds: 1, stepTimeouts: { run: -5 }, clearRun: "not-a-run" });
    const props = (r.failures ?? []).map((f) => f.property);
    assert.ok(props.includes("lockTimeoutSeconds"), props.join(", "));
    assert.ok(
      props.some((p) => p.startsWith("stepTimeouts")),
      props.join(", "),
    );
    assert.ok(props.includes("clearRun"), props.join(", "));
    assert.ok(!(r.failures ?? []).some((f) => /CONNECTION_FAILED|could not connect/.test(f.reason)), "nothing was connected to");
  });

  it("with the fields right, reports the product's option problems and unresolved secrets together, without connecting", async () => {
    const r = await check(
      {},
      {
        ...base,
        options: { rebootTimeoutSeconds: "soon", installers: { mailServer: `printf '%s' "$UPCHAIN_SECRET_MAILPW" | install --password-stdin` } },
        secretEnv: {},
      },
    );
    const props = (r.failures ?? []).map((f) => f.property);
    assert.ok(props.includes("options.installers.mailServer"), props.join(", "));
    assert.ok(props.includes("options.rebootTimeoutSeconds"), `the option of the wrong type too: ${props.join(", ")}`);
    assert.ok(!(r.failures ?? []).some((f) => /CONNECTION_FAILED|could not connect/.test(f.reason)), "nothing was connected to");
  });

  it("a target that is not a version is refused naming target, the scheme and the known releases, without connecting", async () => {
    for (const target of ["1\u2024 1.2.0", "06-00'; touch /tmp/pwned", "６-00", "06-\n00", "x".repeat(5000)]) {
      const r = await check({}, { ...base, target });
      const failures = r.failures ?? [];
      const named = failures.find((f) => f.property === "target");
      assert.ok(named, `${JSON.stringify(target).slice(0, 40)}: ${JSON.stringify(failures)}`);
      assert.match(
        named.reason,
        /^INVALID_INPUT: ".*" is not a Groupmax master management server version \(Hitachi's VV-RR, two two-digit numbers like 06-00 .*\); the releases known here: 06-00$/s,
      );
      assert.doesNotMatch(named.reason, /\n/, "a control character is shown as an escape, never raw");
      assert.ok(named.reason.length < 600, "a very long value is shown cut short");
      assert.ok(!failures.some((f) => /CONNECTION_FAILED|could not connect/.test(f.reason)), "nothing was connected to");
    }
  });

  it("a declared current that is not a version of the product is refused at current, without connecting", async () => {
    const r = await check({}, { ...base, current: "6.0" });
    const failure = (r.failures ?? []).find((f) => f.property === "current");
    assert.ok(failure, JSON.stringify(r.failures));
    assert.match(failure.reason, /^INVALID_INPUT: "6\.0" is not a Groupmax master management server version/);
    assert.ok(!(r.failures ?? []).some((f) => /CONNECTION_FAILED|could not connect/.test(f.reason)), "nothing was connected to");
  });

  it("an empty versionCommand is refused with what to give, without connecting", async () => {
    const r = await check({}, { ...base, versionCommand: "" });
    assert.ok(
      (r.failures ?? []).some((f) => f.property === "versionCommand" && /give the site's read-only command that prints the installed version/.test(f.reason)),
      JSON.stringify(r.failures),
    );
  });

  it("a secret reference without a value names the option and the secrets given", () => {
    const out = unresolvedSecretReferences(
      { installers: { mailServer: 'x "$UPCHAIN_SECRET_MAILPW" ${UPCHAIN_SECRET_OTHER}' }, uploads: [{ source: "$UPCHAIN_SECRET_DB" }] },
      { UPCHAIN_SECRET_MAILPW: "v" },
    );
    assert.deepStrictEqual(
      out.map((o) => o.property),
      ["options.installers.mailServer", "options.uploads[0].source"],
    );
    assert.match(out[0].reason, /\$UPCHAIN_SECRET_OTHER, but no secret of that name is given to this server \(given: UPCHAIN_SECRET_MAILPW\)/);
    assert.deepStrictEqual(unresolvedSecretReferences({ a: "$UPCHAIN_SECRET_MAILPW" }, { UPCHAIN_SECRET_MAILPW: "v" }), []);
  });
});

describe("a secret too short to be masked is refused at preview (issue 19)", () => {
  it("a secretEnv value under 4 characters is refused naming the variable and the rule, without connecting", async () => {
    const r = await check({}, { ...base, secretEnv: { UPCHAIN_SECRET_PIN: "123", UPCHAIN_SECRET_OK: "long enough" } });
    const f = r.failures?.find((x) => x.property === "secretEnv.UPCHAIN_SECRET_PIN");
    assert.ok(f, JSON.stringify(r.failures));
    assert.match(f.reason, /at least 4 characters: a shorter secret cannot be masked in output/);
    assert.ok(!r.failures?.some((x) => x.property === "secretEnv.UPCHAIN_SECRET_OK"), JSON.stringify(r.failures));
  });
});

describe("a promotion override must say why in visible text (issue 19)", () => {
  it("an override of blanks (a space, a tab, U+200B) is refused at promotion.override, without connecting", async () => {
    for (const override of [" ", "\t", "\u200b"]) {
      const r = await check({}, { ...base, promotion: { from: "staging", proven: [], server: "gmx1", override } });
      const f = r.failures?.find((x) => x.property === "promotion.override");
      assert.ok(f, `${JSON.stringify(override)}: ${JSON.stringify(r.failures)}`);
      assert.match(f.reason, /say why the target goes without the previous environment, in visible text/);
    }
  });
});
