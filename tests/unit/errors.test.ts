import * as assert from "assert";
import fc from "fast-check";
import { inspect } from "util";
import { SecretMasker, UpchainError, checkFailure, isUpchainError, maskSecrets, maskedError } from "../../providers/errors";

describe("UpchainError", () => {
  it("carries a code and the path of the field at fault", () => {
    const e = new UpchainError("INVALID_INPUT", "bad", ["hosts", 0, "host"]);
    assert.strictEqual(isUpchainError(e, "COMMAND_FAILED"), false);
    assert.ok(isUpchainError(e, "INVALID_INPUT"));
    assert.deepStrictEqual(e.path, ["hosts", 0, "host"]);
  });

  it("keeps the error it wraps as its cause, with its own message unchanged", () => {
    const dropped = new Error("Not connected");
    const e = new UpchainError("CONNECTION_FAILED", "host: cannot run a command", ["connection"], { cause: dropped });
    assert.strictEqual(e.cause, dropped);
    assert.strictEqual(e.message, "host: cannot run a command");
  });

  it("an error that wraps nothing has no cause", () => assert.strictEqual("cause" in new UpchainError("LOCKED", "held"), false));

  it("its cause is not an enumerable field: JSON of the error does not carry it", () => {
    const e = new UpchainError("CONNECTION_FAILED", "x", [], { cause: new Error("inner detail") });
    assert.ok(!JSON.stringify(e).includes("inner detail"));
  });
});

describe("checkFailure", () => {
  it("names the field as given, and prefixes the reason with its code as an UpchainError is shown", () =>
    assert.deepStrictEqual(checkFailure("INVALID_INPUT", "target", "9.9 is not an OMFLOW version"), {
      property: "target",
      reason: "INVALID_INPUT: 9.9 is not an OMFLOW version",
    }));
  it("joins a path with dots", () =>
    assert.deepStrictEqual(checkFailure("HOST_NOT_READY", ["members", 1, "connection"], "no"), {
      property: "members.1.connection",
      reason: "HOST_NOT_READY: no",
    }));
});

describe("maskedError (a cause that may hold a secret)", () => {
  const secret = "hunter2-secret-pw";
  const mask = (t: string) => maskSecrets(t, [secret]);
  const leaky = () => Object.assign(new Error(`sudo -S <<< ${secret} failed`), { code: "ECONNRESET", level: "client-socket", command: `echo ${secret}` });

  it("keeps the name and the code, and masks the message and the stack as the wrapping message is masked", () => {
    const copy = maskedError(leaky(), mask);
    assert.strictEqual(copy.message, "sudo -S <<< [secret] failed");
    assert.strictEqual(copy.name, "Error");
    assert.strictEqual((copy as NodeJS.ErrnoException).code, "ECONNRESET");
    assert.ok(!(copy.stack ?? "").includes(secret), copy.stack);
  });

  it("drops every other field of the original (a library's error may carry the command line)", () =>
    assert.strictEqual("command" in maskedError(leaky(), mask), false));

  it("printed as Pulumi's program host prints an uncaught error (util.inspect, causes included), the error shows no secret", () => {
    const e = new UpchainError("CONNECTION_FAILED", mask(`host: could not connect: ${leaky().message}`), ["connection"], { cause: maskedError(leaky(), mask) });
    const printed = inspect(e);
    assert.match(printed, /\[cause\]/);
    assert.ok(!printed.includes(secret), printed);
  });
});

describe("maskSecrets", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
  it("masks a whole secret", () => assert.strictEqual(maskSecrets(`x ${key} y`, [key]), "x [secret] y"));
  it("masks a key echoed one line at a time", () => {
    const out = maskSecrets("line: b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", [key]);
    assert.ok(!out.includes("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"));
  });
  it("masks a password", () => assert.strictEqual(maskSecrets("pw=hunter22!", ["hunter22!"]), "pw=[secret]"));
  it("ignores undefined and very short secrets", () => assert.strictEqual(maskSecrets("abc", [undefined, "b"]), "abc"));
});

describe("SecretMasker (streamed output)", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
  const stream = (secrets: (string | undefined)[], chunks: string[]) => {
    const m = new SecretMasker(secrets);
    const pieces = chunks.map((c) => m.push(c));
    return { pieces, all: pieces.join("") + m.flush() };
  };

  it("masks a password split across two chunks", () => {
    const { all, pieces } = stream(["hunter22!"], ["login with hunt", "er22! now"]);
    assert.strictEqual(all, "login with [secret] now");
    assert.ok(!pieces[0].includes("hunt"), "the start of the secret is held back, not shown");
  });
  it("holds back at most the longest secret's length minus one", () => {
    const m = new SecretMasker(["abcdef", "xyz1"]);
    assert.strictEqual(m.push("0123456789"), "01234");
    assert.strictEqual(m.flush(), "56789");
  });
  it("masks a PEM key echoed line by line, one character at a time", () => {
    const { all } = stream([key], Array.from("echo: b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"));
    assert.strictEqual(all, "echo: [secret]\n");
  });
  it("passes output through unchanged when there is no secret", () => {
    const { pieces } = stream([undefined, ""], ["a", "b"]);
    assert.deepStrictEqual(pieces, ["a", "b"]);
  });
  it("property: for any text and any split into chunks, the output is maskSecrets of the whole text and holds no secret", () => {
    const secret = fc.stringMatching(/^[a-z0-9]{4,12}$/);
    const filler = fc.array(fc.constantFrom("a", "b", "x", "0", " ", "\n", "-"), { maxLength: 8 }).map((a) => a.join(""));
    const scenario = fc
      .tuple(fc.uniqueArray(secret, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(filler, fc.nat()), { maxLength: 6 }), filler)
      .chain(([secrets, parts, end]) => {
        // text: filler and secrets interleaved (secrets may overlap each other and the filler)
        const text = parts.map(([f, i]) => f + secrets[i % secrets.length]).join("") + end;
        return fc.tuple(fc.constant(secrets), fc.constant(text), fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }));
      });
    fc.assert(
      fc.property(scenario, ([secrets, text, cuts]) => {
        const at = [0, ...[...cuts].sort((a, b) => a - b), text.length];
        const chunks = at.slice(1).map((c, i) => text.slice(at[i], c));
        const { all } = stream(secrets, chunks);
        const whole = maskSecrets(text, secrets);
        // nothing else is lost: the text outside the masks is exactly the original's
        const unmasked = whole.split("[secret]");
        return all === whole && secrets.every((s) => !all.includes(s)) && unmasked.every((piece) => text.includes(piece));
      }),
      { numRuns: 500 },
    );
  });
});
