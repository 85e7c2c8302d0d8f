import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { isUpchainError } from "../../../providers/errors";
import { ConfigSource, readStackConfig } from "../../../stacks/readConfig";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const mailInstaller = `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | sh /var/tmp/gmx6/install.sh mail --password-stdin`;

function gmx(name: string, options: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, host: "192.0.2.20", hostKey: key, product: "groupmax", version: "06-00", options };
}

/** The config map as Pulumi hands it to the program: values as text, mappings and lists as JSON. */
function source(config: Record<string, unknown>, secret: string[] = []): ConfigSource {
  const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { values, isSecret: (k) => secret.includes(k) };
}

/** The problems a config is refused with, one per line. */
function problems(s: ConfigSource): string[] {
  try {
    readStackConfig(s, "stacks/Pulumi.prod.yaml");
  } catch (e) {
    assert.ok(isUpchainError(e, "INVALID_INPUT"), String(e));
    const [head, ...lines] = e.message.split("\n");
    assert.strictEqual(head, `stacks/Pulumi.prod.yaml has ${lines.length} problem(s):`);
    return lines.map((l) => l.trim());
  }
  assert.fail("the configuration was accepted");
}

const secretKeys = ["upchain:privateKey", "upchain:secrets"];

describe("reading the stack configuration", () => {
  it("gives each server only the secrets its options reference", () => {
    const s = readStackConfig(
      source(
        {
          "upchain:servers": [
            gmx("a", { installers: { mailServer: mailInstaller } }),
            gmx("b"),
            gmx("c", { addressMailSetup: "setup --pin=$UPCHAIN_SECRET_PIN $UPCHAIN_SECRET_PIN" }),
          ],
          "upchain:secrets": { mailAdminPassword: "pw", pin: "1234", unused: "x" },
          "upchain:privateKey": "KEY",
        },
        secretKeys,
      ),
    );
    assert.deepStrictEqual(s.serverSecrets, [["mailAdminPassword"], [], ["pin"]]);
    assert.deepStrictEqual(s.secretNames, ["mailAdminPassword", "pin", "unused"]);
    assert.strictEqual(s.config.servers[0].hostKey, key);
    assert.strictEqual(s.config.user, "root");
  });

  it("reads upchain:rollout as the mapping the SDK hands over as JSON text", () => {
    const read = readStackConfig(source({ "upchain:servers": [gmx("a"), gmx("b")], "upchain:rollout": { waves: [1, "50%"], maxFailPercentage: 10 } }));
    assert.deepStrictEqual(read.config.rollout, { waves: [1, "50%"], maxFailPercentage: 10 });
  });
  it("refuses an unknown upchain key with the near name, and leaves other namespaces alone", () => {
    const lines = problems(
      source(
        {
          "upchain:server": [gmx("a")],
          "upchain:hosts": [{ name: "h", host: "h", hostKey: key }],
          "upchain:privateKey": "K",
          "aws:region": "x",
          "upchain-e2e:anything": "y",
        },
        secretKeys,
      ),
    );
    assert.deepStrictEqual(lines, ['upchain:server: unknown key; did you mean "servers"?']);
  });

  it("refuses a secret placed inside upchain:servers, saying where secrets go, without its value", () => {
    const servers = [gmx("a", { installers: { mailServer: "install --password hunter22-secret" } })];
    const lines = problems(source({ "upchain:servers": servers, "upchain:privateKey": "K" }, [...secretKeys, "upchain:servers"]));
    assert.strictEqual(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^upchain:servers: holds a value set with --secret/);
    assert.match(lines[0], /pulumi config set --secret --path 'upchain:secrets\.<name>' VALUE/);
    assert.match(lines[0], /\$UPCHAIN_SECRET_<NAME>/);
    assert.ok(!lines.join("\n").includes("hunter22"));
  });

  it("refuses a credential or the secrets map stored unencrypted", () => {
    const lines = problems(source({ "upchain:servers": [gmx("a")], "upchain:password": "pw", "upchain:secrets": { a: "b" } }, []));
    assert.deepStrictEqual(lines, [
      "upchain:password: is stored unencrypted in the stack file; set it with pulumi config set --secret upchain:password",
      "upchain:secrets: is stored unencrypted in the stack file; set each value with pulumi config set --secret --path 'upchain:secrets.<name>' VALUE",
    ]);
  });

  it("refuses a passphrase with no key to open", () => {
    const lines = problems(
      source({ "upchain:servers": [gmx("a")], "upchain:password": "pw", "upchain:privateKeyPassphrase": "pp" }, [
        "upchain:password",
        "upchain:privateKeyPassphrase",
      ]),
    );
    assert.deepStrictEqual(lines.length, 1);
    assert.match(lines[0], /^upchain:privateKeyPassphrase: a passphrase without a key/);
  });

  it("reports every kind of problem in one error", () => {
    const lines = problems(
      source(
        {
          "upchain:servers": [
            { ...gmx("a", { installers: { mailServer: mailInstaller } }), lockTimeoutSecond: 60 },
            { ...gmx("b"), port: "22", options: "installDir=/opt" },
          ],
          "upchain:secrets": { dbPassword: "x" },
          "upchain:knownHostFile": "/etc/ssh/known_hosts",
          "upchain:privateKey": "K",
        },
        secretKeys,
      ),
    );
    assert.deepStrictEqual(lines.sort(), [
      'upchain:knownHostFile: unknown key; did you mean "knownHostsFile"?',
      'upchain:servers[0].lockTimeoutSecond: unknown key; did you mean "lockTimeoutSeconds"?',
      "upchain:servers[0].options.installers.mailServer: $UPCHAIN_SECRET_MAILADMINPASSWORD names no declared secret (upchain:secrets declares $UPCHAIN_SECRET_DBPASSWORD); declare it with pulumi config set --secret --path 'upchain:secrets.<name>' VALUE (the variable is UPCHAIN_SECRET_ and the name in capitals)",
      "upchain:servers[1].options: must be a mapping of the product's options (key: value)",
      "upchain:servers[1].port: expected a number, found text",
    ]);
  });

  it("reads a list written as plain text as the wrong kind, not as a crash", () => {
    assert.deepStrictEqual(problems(source({ "upchain:servers": "a,b", "upchain:privateKey": "K" }, secretKeys)), [
      "upchain:servers: expected a list, found text",
    ]);
  });

  it("never shows a value of a secret-holding key in its error", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).filter((v) => v.trim().length >= 8),
        (value) => {
          const servers = [{ ...gmx("a", { installers: { mailServer: value } }), verzion: value, port: value }];
          const lines = problems(
            source({ "upchain:servers": servers, "upchain:hosts": [{ name: value, host: value }], "upchain:user": "u" }, ["upchain:servers", "upchain:hosts"]),
          );
          assert.ok(!lines.join("\n").includes(value));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("pinning host keys from the stack's known_hosts file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-readconfig-"));
  const knownHosts = path.join(dir, "known_hosts");
  fs.writeFileSync(knownHosts, `10.0.0.1 ${key}\n`);
  const host = (name: string, address: string) => ({ name, host: address });

  it("takes a host's key from the file", () => {
    const s = readStackConfig(
      source({ "upchain:hosts": [host("a", "10.0.0.1")], "upchain:knownHostsFile": knownHosts, "upchain:privateKey": "K" }, secretKeys),
    );
    assert.strictEqual(s.config.hosts[0].hostKey, key);
  });
  it("names each host the file has no key for, along with the other problems", () => {
    const lines = problems(
      source(
        {
          "upchain:hosts": [host("a", "10.0.0.1"), host("b", "10.0.0.9")],
          "upchain:knownHostsFile": knownHosts,
          "upchain:privateKey": "K",
          "upchain:usr": "x",
        },
        secretKeys,
      ),
    );
    assert.deepStrictEqual(lines, [
      'upchain:usr: unknown key; did you mean "user"?',
      `upchain:hosts[1].hostKey: ${knownHosts} has no key for 10.0.0.9; pin one with hostKey or add the host to the known_hosts file`,
    ]);
  });
  it("reports an unreadable known_hosts file once, however many hosts need it", () => {
    const lines = problems(
      source(
        { "upchain:hosts": [host("a", "10.0.0.1"), host("b", "10.0.0.2")], "upchain:knownHostsFile": path.join(dir, "missing"), "upchain:privateKey": "K" },
        secretKeys,
      ),
    );
    assert.strictEqual(lines.length, 1);
    assert.match(lines[0], /^upchain:knownHostsFile: cannot read .*missing/);
  });
  it("reports an unreadable private key file at preview", () => {
    const lines = problems(
      source(
        { "upchain:hosts": [host("a", "10.0.0.1")], "upchain:knownHostsFile": knownHosts, "upchain:privateKeyFile": path.join(dir, "id_missing") },
        secretKeys,
      ),
    );
    assert.deepStrictEqual(lines, [`upchain:privateKeyFile: cannot read ${path.join(dir, "id_missing")}: no such file`]);
  });
});

describe("reading hostile stack configurations", () => {
  const hostile = fc.oneof(
    fc.constantFrom(
      "",
      "/",
      "..",
      "-rf",
      "$(id)",
      "`id`",
      "a\nb",
      "a\0b",
      "'\"",
      "ＵＰＣＨＡＩＮ",
      "$UPCHAIN_SECRET_",
      "${UPCHAIN_SECRET_X}",
      "x".repeat(5000),
    ),
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
  );
  const entry = fc.dictionary(
    fc.constantFrom(
      "name",
      "host",
      "port",
      "user",
      "hostKey",
      "product",
      "platform",
      "version",
      "releases",
      "options",
      "lockTimeoutSeconds",
      "instalDir",
      "__proto__",
      "constructor",
    ),
    fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.dictionary(fc.string(), hostile, { maxKeys: 3 })),
  );
  it("either accepts a configuration or refuses it with one error whose every line names a field", () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 3 }),
        fc.array(entry, { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 20 }), hostile, { maxKeys: 3 }),
        (hosts, servers, extra) => {
          const config = {
            "upchain:hosts": hosts,
            "upchain:servers": servers,
            "upchain:privateKey": "K",
            ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`upchain:${k}`, String(v)])),
          };
          try {
            readStackConfig(source(config, secretKeys));
          } catch (e) {
            assert.ok(isUpchainError(e, "INVALID_INPUT"), `not a clear refusal: ${String(e)}`);
            for (const line of e.message.split("\n").slice(1)) assert.match(line, /^ {2}upchain:\S/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("never echoes a value of the secrets map, even one of the wrong kind", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 6 }),
          fc.oneof(fc.string({ minLength: 10 }), fc.array(fc.string({ minLength: 10 }), { minLength: 1, maxLength: 2 })),
        ),
        (map) => {
          const values = Object.values(map).flat();
          try {
            readStackConfig(
              source({ "upchain:hosts": [{ name: "h", host: "h", hostKey: key }], "upchain:privateKey": "K", "upchain:secrets": map }, secretKeys),
            );
          } catch (e) {
            for (const v of values) assert.ok(!(e as Error).message.includes(v) || Object.keys(map).some((k) => k.includes(v)));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
