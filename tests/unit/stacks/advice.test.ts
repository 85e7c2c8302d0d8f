// Every message's advice must work when followed: where an error tells the operator to set a stack
// key, setting exactly that key (as the message spells it) is accepted by the stack's schema. The
// advised keys are found in the messages themselves, and a scan of the sources makes sure no message
// that names an `upchain:` key is left out of the table.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { groupmax } from "../../../providers/catalogs/groupmax";
import { isUpchainError } from "../../../providers/errors";
import { promotionProblem } from "../../../providers/engine/planning/promotion";
import { unresolvedSecretReferences } from "../../../providers/server/preview";
import { ConfigSource, readStackConfig } from "../../../stacks/readConfig";

const repo = path.resolve(__dirname, "../../../..");
const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const gmx = (name: string) => ({ name, host: "192.0.2.20", hostKey: key, product: "groupmax", version: "06-00" });
const secretKeys = new Set(["privateKey", "privateKeyPassphrase", "password", "secrets"]);

/** The message of each config problem, when the configuration is refused. */
function refusal(config: Record<string, unknown>, storedPlain: string[] = []): string | undefined {
  const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [`upchain:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
  const isSecret = (k: string) => secretKeys.has(k.replace(/^upchain:/, "")) && !storedPlain.includes(k.replace(/^upchain:/, ""));
  const source: ConfigSource = { values, isSecret };
  try {
    readStackConfig(source, "the stack file");
    return undefined;
  } catch (e) {
    if (!isUpchainError(e)) throw e;
    return e.message;
  }
}

/** Each key the message tells the operator to set: from a `pulumi config set` command when it gives one, else each `upchain:` key it names. */
function advisedKeys(message: string): string[] {
  const commands = [...message.matchAll(/pulumi config set (?:--secret )?(?:--path )?'?upchain:([^'\s]+)'?/g)].map((m) => m[1]);
  if (commands.length) return commands;
  return [...message.matchAll(/upchain:([A-Za-z][\w.<>]*[\w>])/g)].map((m) => m[1]);
}

/** `config` with the key path (like promotion.overrides.gmx1 or secrets.<name>) set to `value`. */
function withKey(config: Record<string, unknown>, keyPath: string, value: unknown): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(config));
  const parts = keyPath.replace(/<name>/g, "example").split(".");
  let at = out;
  for (const p of parts.slice(0, -1)) at = at[p] = at[p] && typeof at[p] === "object" ? at[p] : {};
  at[parts[parts.length - 1]] = value;
  return out;
}

const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upchain-advice-")), "id_ed25519");
fs.writeFileSync(keyFile, "not read by the schema\n");
const knownHosts = path.join(path.dirname(keyFile), "known_hosts");
fs.writeFileSync(knownHosts, `192.0.2.20 ${key}\n`);

/** For each advised key: a value as the operator would set it. */
const sampleValues: Record<string, unknown> = {
  privateKey: "KEY",
  privateKeyFile: keyFile,
  knownHostsFile: knownHosts,
  "secrets.example": "value",
  secrets: { example: "value" },
  password: "pw-test",
  servers: [gmx("gmx1")],
  "promotion.overrides.gmx1": "CVE fix approved by change 4711",
  serversFile: path.join(path.dirname(keyFile), "servers.yaml"),
};
fs.writeFileSync(sampleValues.serversFile as string, JSON.stringify([gmx("gmx1")]));

/** A refusal's one problem without its field: what the message tells the operator to do. */
function told(refused: string | undefined): string {
  assert.ok(refused, "the configuration was accepted");
  const [, first] = refused.split("\n");
  return first.replace(/^\s*upchain:\S+: /, "");
}

interface Row {
  name: string;
  message: string;
  /** The stack the message is about, before its advice is followed. */
  stack: Record<string, unknown>;
}

const promoted = promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: ["05-00"], server: "gmx1" })!;
const rows: Row[] = [
  {
    name: "NOT_PROMOTED: naming the server with a reason under the promotion's overrides",
    message: promoted,
    stack: { servers: [gmx("gmx1")], promotion: { from: "staging" }, privateKey: "K" },
  },
  {
    name: "a passphrase without a key: giving the key, as a secret or as a file",
    message: told(refusal({ servers: [gmx("gmx1")], privateKeyPassphrase: "pp-test", password: "pw-test" })),
    stack: { servers: [gmx("gmx1")], privateKeyPassphrase: "pp-test" },
  },
  {
    name: "a host without a pinned key: pinning it from a known_hosts file",
    message: told(refusal({ servers: [{ ...gmx("gmx1"), hostKey: undefined }], privateKey: "K" })),
    stack: { servers: [{ ...gmx("gmx1"), hostKey: undefined }], privateKey: "K" },
  },
  {
    name: "rollout waves without servers: declaring the servers",
    message: told(refusal({ hosts: [{ name: "h", host: "h", hostKey: key }], rollout: { waves: [1] }, privateKey: "K" })),
    stack: { rollout: { waves: [1] }, privateKey: "K" },
  },
  {
    name: "a credential stored unencrypted: setting it as a secret",
    message: told(refusal({ servers: [gmx("gmx1")], password: "pw-test" }, ["password"])),
    stack: { servers: [gmx("gmx1")] },
  },
  {
    name: "a servers file that cannot be read: naming a readable one",
    message: told(refusal({ serversFile: "/nonexistent/servers.yaml", privateKey: "K" })),
    stack: { serversFile: "/nonexistent/servers.yaml", privateKey: "K" },
  },
  {
    name: "a secret reference without a value: declaring the secret",
    message: unresolvedSecretReferences({ installers: { mailServer: "$UPCHAIN_SECRET_EXAMPLE" } }, {})[0].reason,
    stack: { servers: [gmx("gmx1")], privateKey: "K" },
  },
];

describe("every message's advice is accepted by the stack's schema when followed", () => {
  for (const row of rows) {
    it(row.name, () => {
      const keys = advisedKeys(row.message);
      assert.ok(keys.length, `the message advises no key: ${row.message}`);
      for (const k of keys) {
        const normalised = k.replace(/<name>/g, "example");
        assert.ok(normalised in sampleValues, `no sample value for ${k} (advised by: ${row.message})`);
        const problem = refusal(withKey(row.stack, normalised, sampleValues[normalised]));
        assert.strictEqual(problem, undefined, `following "${k}" from: ${row.message}\nis refused: ${problem}`);
      }
    });
  }

  it("no message of the sources advises an upchain: key this table does not follow", () => {
    const followed = new Set(rows.flatMap((r) => advisedKeys(r.message)).map((k) => k.split(".")[0]));
    const named = new Set<string>();
    const scan = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) scan(p);
        // fieldNames.ts names the fields a problem is in; it advises nothing
        else if (p.endsWith(".ts") && e.name !== "fieldNames.ts") {
          for (const line of fs.readFileSync(p, "utf8").split("\n")) {
            if (/^\s*(\/\/|\*|\/\*\*)/.test(line)) continue; // comments advise no operator
            for (const m of line.matchAll(/["'`][^"'`]*?upchain:([a-z][A-Za-z]*)/g)) named.add(m[1]);
          }
        }
      }
    };
    scan(path.join(repo, "providers"));
    scan(path.join(repo, "stacks"));
    const own = new Set(["index"]); // resource type tokens (upchain:index:Server), not stack keys
    const left = [...named].filter((k) => !own.has(k) && !followed.has(k));
    assert.deepStrictEqual(left, [], `messages name these stack keys, but no row follows their advice: ${left.join(", ")}`);
  });
});
