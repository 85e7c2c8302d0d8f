import * as assert from "assert";
import { execFileSync } from "child_process";
import fc from "fast-check";
import { declaredSecrets, referencedSecrets, secretEnvOf, secretReferences, secretVariable } from "../../../stacks/secrets";
import { configField } from "../../../stacks/issues";
import { quote } from "../../../providers/quote";

const installer = `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | sh /var/tmp/gmx6/install.sh mail --password-stdin`;

describe("secretVariable", () => {
  it("is UPCHAIN_SECRET_ and the name in capitals", () => {
    assert.strictEqual(secretVariable("mailAdminPassword"), "UPCHAIN_SECRET_MAILADMINPASSWORD");
  });
});

describe("declaredSecrets", () => {
  it("keeps the names of a well-formed map, in order", () => {
    assert.deepStrictEqual(declaredSecrets({ mailAdminPassword: "x", db_pin: 1234 }), { names: ["mailAdminPassword", "db_pin"], issues: [] });
  });
  it("declares nothing when upchain:secrets is unset", () => {
    assert.deepStrictEqual(declaredSecrets(undefined), { names: [], issues: [] });
  });
  it("refuses names that cannot be part of a variable name, and values that are not text", () => {
    const r = declaredSecrets({ "mail-pw": "a", "1st": "b", nested: { a: "c" }, ok: "d" });
    assert.deepStrictEqual(r.names, ["ok"]);
    assert.deepStrictEqual(
      r.issues.map((i) => configField(i.path)),
      ['upchain:secrets["mail-pw"]', 'upchain:secrets["1st"]', "upchain:secrets.nested"],
    );
    assert.match(r.issues[2].message, /not a list or mapping/);
  });
  it("refuses two names that become the same variable", () => {
    const r = declaredSecrets({ mailPw: "a", MAILPW: "b" });
    assert.deepStrictEqual(r.names, ["mailPw"]);
    assert.match(r.issues[0].message, /"MAILPW" and "mailPw" both become \$UPCHAIN_SECRET_MAILPW/);
  });
  it("refuses a list or text where the map of secrets belongs", () => {
    assert.match(declaredSecrets(["a"]).issues[0].message, /mapping from secret name to value/);
    assert.match(declaredSecrets("a").issues[0].message, /mapping from secret name to value/);
  });
  it("never puts a secret's value in a message", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }),
          fc.oneof(fc.string({ minLength: 6 }), fc.array(fc.string({ minLength: 6 }), { minLength: 1 })),
        ),
        (map) => {
          const values = Object.values(map).flat();
          for (const i of declaredSecrets(map).issues)
            for (const v of values) if (!Object.keys(map).some((k) => k.includes(v))) assert.ok(!i.message.includes(v));
        },
      ),
    );
  });
});

describe("secretReferences", () => {
  it("finds a reference at any depth, with the path of the string that holds it", () => {
    const refs = secretReferences({ installers: { mailServer: installer }, uploads: [{ source: "/a", destination: "${UPCHAIN_SECRET_X}" }] }, [
      "servers",
      0,
      "options",
    ]);
    assert.deepStrictEqual(refs, [
      { variable: "UPCHAIN_SECRET_MAILADMINPASSWORD", path: ["servers", 0, "options", "installers", "mailServer"] },
      { variable: "UPCHAIN_SECRET_X", path: ["servers", 0, "options", "uploads", 0, "destination"] },
    ]);
  });
  it("reads a variable as far as the shell does, and not inside another variable's name", () => {
    assert.deepStrictEqual(
      secretReferences("$UPCHAIN_SECRET_PW_OLD $MY_UPCHAIN_SECRET_PW $env:UPCHAIN_SECRET_WIN").map((r) => r.variable),
      ["UPCHAIN_SECRET_PW_OLD", "UPCHAIN_SECRET_WIN"],
    );
  });
  it("reads the same variable name the shell expands", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/), fc.constantFrom("", " ", "'", '"', "}", "/", "-", ".", ":", "X", "_9"), (name, after) => {
        const [ref] = secretReferences(`$UPCHAIN_SECRET_${name}${after}`);
        // sh looks up the variable the reference names: set only that one and it is what comes out
        const out = execFileSync("/bin/sh", ["-c", `printf %s $UPCHAIN_SECRET_${name}${quote(after)}`], { env: { [ref.variable]: "V" }, encoding: "utf8" });
        assert.strictEqual(out, "V" + `UPCHAIN_SECRET_${name}${after}`.slice(ref.variable.length));
      }),
      { numRuns: 40 },
    );
  });
});

describe("referencedSecrets", () => {
  const options = { installers: { mailServer: installer, objectServer: "sh install.sh object" } };
  it("gives only the declared secrets the options name", () => {
    const r = referencedSecrets(options, ["servers", 0, "options"], ["dbPassword", "mailAdminPassword"]);
    assert.deepStrictEqual(r, { names: ["mailAdminPassword"], issues: [] });
  });
  it("refuses a reference to an undeclared secret, naming the field and the declared ones", () => {
    const r = referencedSecrets(options, ["servers", 2, "options"], ["dbPassword"]);
    assert.deepStrictEqual(r.names, []);
    assert.strictEqual(configField(r.issues[0].path), "upchain:servers[2].options.installers.mailServer");
    assert.match(r.issues[0].message, /\$UPCHAIN_SECRET_MAILADMINPASSWORD names no declared secret \(upchain:secrets declares \$UPCHAIN_SECRET_DBPASSWORD\)/);
  });
  it("says when no secret is declared at all", () => {
    assert.match(referencedSecrets(options, ["servers", 0, "options"], []).issues[0].message, /upchain:secrets declares no secrets/);
  });
  it("points a reference in the wrong letter case at the variable that exists", () => {
    const r = referencedSecrets({ addressMailSetup: "x $UPCHAIN_SECRET_mailAdminPassword" }, ["servers", 0, "options"], ["mailAdminPassword"]);
    assert.match(r.issues[0].message, /did you mean \$UPCHAIN_SECRET_MAILADMINPASSWORD\?/);
  });
});

describe("secretEnvOf", () => {
  it("maps each referenced secret's variable to its value, and leaves the others out", () => {
    assert.deepStrictEqual(secretEnvOf({ mailAdminPassword: "s3cr3t!", dbPassword: "other", pin: 1234 }, ["mailAdminPassword", "pin"]), {
      UPCHAIN_SECRET_MAILADMINPASSWORD: "s3cr3t!",
      UPCHAIN_SECRET_PIN: "1234",
    });
  });
});
