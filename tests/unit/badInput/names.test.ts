// Bad input, names (issue 7): a server's name, host and user, the default user, and an option value
// through the stack config (parseStackConfig, readStackConfig); the connection's host and user and
// the journalName through the provider's schema; Groupmax's journal-file pattern, which is the one
// value rendered as a glob on purpose. Each hostile value is refused naming its field, or accepted
// exactly as given.
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import * as fc from "fast-check";
import { isUpchainError } from "../../../providers/errors";
import { connectionSchema } from "../../../providers/connectionSchema";
// the look itself: failures by the provider's own property names (check renames them, see fields.test.ts)
import { checkNow as check } from "../../../providers/server/preview";
import { parseStackConfig } from "../../../stacks/config";
import { configField } from "../../../stacks/issues";
import { readStackConfig } from "../../../stacks/readConfig";
import { RUNS, hostilePath, hostileText, tally } from "../../support/hostile";
import { products, verdict } from "../../support/hostileRender";
import { shSyntaxErrors } from "../../support/hostile";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDSa840jTJVh7laKPZbIWcAvwveos2hhuAeyGGbXWzwN";
const server = () => ({ name: "wf-1", host: "192.0.2.10", user: "deploy", hostKey: HOST_KEY, product: "omflow", version: "1.2.0.1" });

/** Refused with one INVALID_INPUT whose message names `upchain:<path>`, or parsed with the value unchanged at `read(config)`. */
function refusedNamingOrKept(
  raw: Record<string, unknown>,
  path: (string | number)[],
  value: string,
  read: (c: ReturnType<typeof parseStackConfig>) => unknown,
  fieldClass?: string,
): void {
  let config;
  try {
    config = parseStackConfig(raw);
  } catch (e) {
    assert.ok(isUpchainError(e, "INVALID_INPUT"), `thrown raw: ${(e as Error)?.message}`);
    assert.ok(
      e.message.includes(configField(path) + ":"),
      `${JSON.stringify(value).slice(0, 100)} refused, but the message does not name ${configField(path)}: ${e.message.slice(0, 300)}`,
    );
    assert.doesNotMatch(e.message, /ZodError|"code":/);
    if (fieldClass) tally(fieldClass, "refused");
    return;
  }
  assert.strictEqual(read(config), value, `accepted, but changed on the way`);
  if (fieldClass) tally(fieldClass, "literal");
}

describe("bad input: names in the stack config", function () {
  this.timeout(60_000);

  for (const field of ["name", "host", "user"] as const) {
    it(`a hostile servers[0].${field} is refused naming upchain:servers[0].${field}, or kept as given`, () => {
      fc.assert(
        fc.property(hostileText, (v) =>
          refusedNamingOrKept({ servers: [{ ...server(), [field]: v }] }, ["servers", 0, field], v, (c) => c.servers[0][field], "names"),
        ),
        RUNS,
      );
    });
    it(`a hostile hosts[0].${field} is refused naming upchain:hosts[0].${field}, or kept as given`, () => {
      const { product: _p, version: _v, ...host } = server();
      fc.assert(
        fc.property(hostileText, (v) => refusedNamingOrKept({ hosts: [{ ...host, [field]: v }] }, ["hosts", 0, field], v, (c) => c.hosts[0][field], "names")),
        RUNS,
      );
    });
  }

  it("a hostile upchain:user is refused naming it, or kept as given", () => {
    fc.assert(
      fc.property(hostileText, (v) => refusedNamingOrKept({ user: v, servers: [server()] }, ["user"], v, (c) => c.user, "names")),
      RUNS,
    );
  });

  it("a hostile server version is kept as given by the stack config (the planner judges it; see versions.test.ts)", () => {
    fc.assert(
      fc.property(hostileText, (v) =>
        refusedNamingOrKept({ servers: [{ ...server(), version: v }] }, ["servers", 0, "version"], v, (c) => c.servers[0].version),
      ),
      RUNS,
    );
  });

  it("a hostile option value passes readStackConfig unchanged (the product's preview judges it), or is refused naming it", () => {
    fc.assert(
      fc.property(hostilePath, (v) => {
        const s = { ...server(), options: { installDir: v } };
        const values = { "upchain:servers": JSON.stringify([s]) };
        let settings;
        try {
          settings = readStackConfig({ values, isSecret: () => false });
        } catch (e) {
          assert.ok(isUpchainError(e, "INVALID_INPUT"), `thrown raw: ${(e as Error)?.message}`);
          assert.ok(e.message.includes(configField(["servers", 0, "options", "installDir"])), e.message.slice(0, 300));
          return;
        }
        assert.deepStrictEqual(settings.config.servers[0].options, { installDir: v });
      }),
      RUNS,
    );
  });
});

describe("bad input: names in the provider", function () {
  this.timeout(60_000);
  // a key ssh2 can read: the schema now reads the key at preview, so "k" would be the only refusal
  const privateKey = generateKeyPairSync("rsa", {
    modulusLength: 1024,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  const conn = { host: "192.0.2.10", user: "root", hostKey: HOST_KEY, privateKey };

  for (const field of ["host", "user"] as const) {
    it(`a hostile connection.${field} is refused naming it, or kept as given (it goes to ssh2, never into a shell)`, () => {
      fc.assert(
        fc.property(hostileText, (v) => {
          const r = connectionSchema.safeParse({ ...conn, [field]: v });
          if (!r.success) {
            tally("names", "refused");
            return assert.ok(
              r.error.issues.some((i) => i.path[0] === field),
              JSON.stringify(r.error.issues),
            );
          }
          assert.strictEqual(r.data[field], v);
          tally("names", "literal");
        }),
        RUNS,
      );
    });
  }

  it("a hostile journalName is refused at preview naming journalName (it names files on the host)", async () => {
    // no credential: stage 1 fails on the connection too, so nothing connects whatever journalName does
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((v) => !/^[a-z0-9-]+$/.test(v)),
        async (v) => {
          const r = await check({}, { product: "omflow", target: "1.2.0.1", journalName: v, connection: { host: "192.0.2.10", hostKey: HOST_KEY } });
          assert.ok(
            r.failures?.some((f) => f.property === "journalName"),
            `journalName = ${JSON.stringify(v).slice(0, 100)}: ${JSON.stringify(r.failures)}`,
          );
          tally("names", "refused");
        },
      ),
      RUNS,
    );
  });

  it("a privateKey that is not a key is refused at preview naming privateKey, not thrown raw", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (v) => {
        const news = {
          product: "omflow",
          target: "1.2.0.1",
          options: products["omflow linux"].base,
          connection: { host: "127.0.0.1", port: 9, hostKey: HOST_KEY },
          privateKey: v,
        };
        const r = await check({}, news).catch((e: Error) => assert.fail(`check threw ${e.name}: ${e.message}`));
        const named = (f: { property: string; reason: string }) => /^(connection\.)?privateKey$/.test(f.property) || /privateKey/.test(f.reason);
        assert.ok(r.failures?.some(named), JSON.stringify(r.failures));
      }),
      RUNS,
    );
  });

  for (const name of ["groupmax linux", "groupmax windows"]) {
    it(`${name}: a hostile journalPattern is refused naming it, or is a plain file-name glob that renders into commands that parse`, () => {
      const p = products[name];
      fc.assert(
        fc.property(hostileText, (v) => {
          const r = verdict(p, { ...p.base, journalPattern: v });
          if (r.kind === "crashed") assert.fail(`crashed: ${(r.error as Error)?.message}`);
          if (r.kind === "refused") {
            tally("names", "refused");
            return assert.ok(
              r.problems.some((pr) => pr.path === "options.journalPattern"),
              JSON.stringify(r.problems),
            );
          }
          // it is rendered unquoted on Linux (it must glob): only letters, digits and _ . - * ? may be in it
          assert.match(v, /^[A-Za-z0-9_.*?-]+$/);
          const sh = r.commands.filter((c) => c.shell === "sh").map((c) => c.text);
          if (sh.length) assert.strictEqual(shSyntaxErrors(sh), "");
          tally("names", "literal"); // a plain file-name glob, on purpose
        }),
        RUNS,
      );
    });
  }
});
