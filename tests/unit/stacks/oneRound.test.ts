// All of a server's problems in one round: what is wrong with the server's own keys (a misspelt
// key, a product that does not exist) and what is wrong with its version and options are reported by
// the same preview, each naming the field as the stack file has it.
import * as assert from "assert";
import { isUpchainError } from "../../../providers/errors";
import { ConfigSource, readFleetConfig, readStackConfig } from "../../../stacks/readConfig";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const omf = (name: string, fields: Record<string, unknown> = {}) => ({
  name,
  host: "192.0.2.30",
  hostKey: key,
  product: "omflow",
  version: "1.2.0.1",
  ...fields,
});

function source(config: Record<string, unknown>): ConfigSource {
  const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { values: { ...values, "upchain:privateKey": "K" }, isSecret: (k) => k === "upchain:privateKey" };
}

function problems(s: ConfigSource): string[] {
  try {
    readStackConfig(s, "stacks/Pulumi.prod.yaml");
  } catch (e) {
    assert.ok(isUpchainError(e, "INVALID_INPUT"), String(e));
    return e.message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
  }
  assert.fail("the configuration was accepted");
}

describe("a server's problems, all in the first preview", () => {
  const cases: { name: string; server: Record<string, unknown>; expected: RegExp[] }[] = [
    {
      name: "a misspelt product key and a misspelt option are both named",
      server: { ...omf("a"), product: undefined, prodcut: "omflow", options: { offlineBundel: "/srv/bundle" } },
      expected: [
        /^upchain:servers\[0\]\.prodcut: unknown key; did you mean "product"\?$/,
        /^upchain:servers\[0\]\.options\.offlineBundel: is not an option; did you mean `offlineBundle`\?$/,
      ],
    },
    {
      name: "a misspelt server key and a misspelt option are both named",
      server: { ...omf("a"), lockTimeoutSecond: 60, options: { offlineBundel: "/srv/bundle" } },
      expected: [
        /^upchain:servers\[0\]\.lockTimeoutSecond: unknown key; did you mean "lockTimeoutSeconds"\?$/,
        /^upchain:servers\[0\]\.options\.offlineBundel: is not an option/,
      ],
    },
    {
      name: "a version that is not one of the product's is named as version, with its value",
      server: { ...omf("a"), version: "1.2.x", lockTimeoutSecond: 60 },
      expected: [
        /^upchain:servers\[0\]\.version: "1\.2\.x" is not a OMFLOW version|^upchain:servers\[0\]\.version: "1\.2\.x" is not an OMFLOW version/,
        /lockTimeoutSecond: unknown key/,
      ],
    },
    {
      name: "a misspelt product and a misspelt option of the product it most likely means are both named",
      server: omf("a", { product: "omflwo", options: { offlineBundel: "/srv/bundle" } }),
      expected: [
        /^upchain:servers\[0\]\.product: "omflwo" is not a product; did you mean "omflow"\?/,
        /^upchain:servers\[0\]\.options\.offlineBundel: is not an option; did you mean `offlineBundle`\?$/,
      ],
    },
    {
      name: "a misspelt product is refused with the near product and the list",
      server: omf("a", { product: "omflwo" }),
      expected: [
        /^upchain:servers\[0\]\.product: "omflwo" is not a product; did you mean "omflow"\? supported products: omflow, groupmax, oracle-as, altazion-office$/,
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const lines = problems(source({ "upchain:servers": [c.server] }));
      for (const e of c.expected)
        assert.ok(
          lines.some((l) => e.test(l)),
          `${e} not in:\n${lines.join("\n")}`,
        );
    });
  }

  it("in a fleet, a server's own problems are kept apart with its name, and the other servers are read", () => {
    const fleet = readFleetConfig(
      source({ "upchain:servers": [omf("a"), omf("b", { options: { offlineBundel: "/x" } }), omf("c", { prodcut: "omflow", product: undefined })] }),
      "stacks/Pulumi.prod.yaml",
    );
    assert.deepStrictEqual(
      fleet.settings.config.servers.map((s) => s.name),
      ["a"],
    );
    assert.deepStrictEqual(
      fleet.serverProblems.map((p) => [p.server, p.field]),
      [
        ["b", "upchain:servers[1].options.offlineBundel"],
        ["c", "upchain:servers[2].prodcut"],
      ],
    );
  });

  it("a problem of the whole stack is still one error, with every server's problems in it", () => {
    assert.throws(
      () =>
        readFleetConfig(
          source({ "upchain:servers": [omf("a"), omf("b", { options: { offlineBundel: "/x" } })], "upchain:usr": "root" }),
          "stacks/Pulumi.prod.yaml",
        ),
      (e: Error) => /upchain:usr: unknown key; did you mean "user"\?/.test(e.message) && /upchain:servers\[1\]\.options\.offlineBundel/.test(e.message),
    );
  });

  it("a stack of one server gets its problems as one error: there is no fleet table to carry them", () => {
    assert.throws(
      () => readFleetConfig(source({ "upchain:servers": [omf("a", { options: { offlineBundel: "/x" } })] }), "stacks/Pulumi.prod.yaml"),
      /upchain:servers\[0\]\.options\.offlineBundel/,
    );
  });
});
