// Check failures in the user's words: the field as the user wrote it (stack file key or component
// argument), never the provider's own property name, and never the engine's `value {...}`.
import * as assert from "assert";
import { check } from "../../../providers/server/impl";
import { fieldNamesOf, fieldsFor, inUserTerms, userField } from "../../../providers/server/fields";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const base = { product: "groupmax", target: "06-00", connection: { host: "192.0.2.10", hostKey }, privateKey: "not-a-real-key-0123456789" };
const stackNames = {
  target: "upchain:servers[2].version",
  options: "upchain:servers[2].options",
  connection: "upchain:servers[2].host",
  "connection.hostKey": "upchain:servers[2].hostKey",
  "connection.privateKey": "upchain:privateKeyFile",
};

describe("check failures name the field as the user wrote it", () => {
  const cases: [string, string, Record<string, string> | undefined, string][] = [
    ["the component's version argument is named for the provider's target", "target", { target: "version" }, "version"],
    ["an option is named under the stack's server entry", "options.installDir", stackNames, "upchain:servers[2].options.installDir"],
    ["an option keyed by a version keeps its brackets", 'options.patches["1.2.0.0"]', stackNames, 'upchain:servers[2].options.patches["1.2.0.0"]'],
    ["the longest name wins: the private key is the stack's privateKeyFile, not the host", "connection.privateKey", stackNames, "upchain:privateKeyFile"],
    ["a connection problem as a whole is named by the host's entry", "connection", stackNames, "upchain:servers[2].host"],
    ["a property that only starts like a named one is not renamed", "targetVersion", stackNames, "targetVersion"],
    ["without names, the property is the field", "options.installDir", undefined, "options.installDir"],
  ];
  for (const [name, property, names, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, names), expected));
  }

  it("the engine gets no property (so it prints no value), and the reason starts with the field and keeps the code", () => {
    const out = inUserTerms([{ property: "target", reason: "UNKNOWN_VERSION: target: 1.2.9.9 is not a known OMFLOW release" }], { target: "version" });
    assert.deepStrictEqual(out, [{ property: "", reason: "version: UNKNOWN_VERSION: 1.2.9.9 is not a known OMFLOW release" }]);
  });

  it("a Server's check names its version and options as the stack does, and shows no private key", async () => {
    const r = await check({}, { ...base, target: "6.0", options: { instalDir: "/opt" }, fields: stackNames });
    const reasons = (r.failures ?? []).map((f) => f.reason);
    assert.ok(
      (r.failures ?? []).every((f) => f.property === ""),
      JSON.stringify(r.failures),
    );
    assert.ok(
      reasons.some((x) => /^upchain:servers\[2\]\.version: INVALID_INPUT: "6\.0" is not a Groupmax/.test(x)),
      reasons.join("\n"),
    );
    assert.ok(
      reasons.some((x) => /^upchain:servers\[2\]\.options\.instalDir: INVALID_INPUT: is not an option/.test(x)),
      reasons.join("\n"),
    );
    assert.ok(!reasons.some((x) => /\btarget\b/.test(x)), reasons.join("\n"));
  });

  it("a misspelt product is named as the component's product argument, with the near product", async () => {
    const r = await check({}, { ...base, product: "groupmx", fields: { target: "version" } });
    assert.ok(
      (r.failures ?? []).some((f) => /^product: did you mean "groupmax"\? must be one of: omflow, groupmax/.test(f.reason)),
      JSON.stringify(r.failures),
    );
  });

  it("a private key that cannot be used is named as the stack's privateKeyFile, without the key", async () => {
    const r = await check({}, { ...base, fields: stackNames });
    const reasons = (r.failures ?? []).map((f) => f.reason);
    assert.ok(
      reasons.some((x) => x.startsWith("upchain:privateKeyFile: ")),
      reasons.join("\n"),
    );
    assert.ok(!reasons.join("\n").includes(base.privateKey));
  });
});

describe("a component's resource named by the component's caller", () => {
  // a cluster member's Server: its connection is the component's members[1].connection
  const argOf = { target: "version", connection: "members[1].connection", "pool.balancer": "balancer" };
  const callers = {
    version: "upchain:clusters[0].version",
    "members[1].connection": "upchain:clusters[0].members[1].host",
    "members[1].connection.hostKey": "upchain:clusters[0].members[1].hostKey",
    balancer: "upchain:clusters[0].balancer",
  };
  const cases: [string, Record<string, string> | undefined, string, string][] = [
    ["a property filled by a named argument takes the caller's name", callers, "target", "upchain:clusters[0].version"],
    ["a property below a named argument takes the caller's name of that very field", callers, "connection.hostKey", "upchain:clusters[0].members[1].hostKey"],
    ["a property below an argument named only as a whole keeps the rest of its path", callers, "pool.balancer.socket", "upchain:clusters[0].balancer.socket"],
    ["a whole connection is named as the caller names it", callers, "connection", "upchain:clusters[0].members[1].host"],
    ["without the caller's names, the component's own argument names", undefined, "connection.hostKey", "members[1].connection.hostKey"],
  ];
  for (const [name, names, property, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, fieldsFor(argOf, names)), expected));
  }
  it("a resource's fields input is read only when it is a mapping of names", () => {
    assert.deepStrictEqual(fieldNamesOf({ fields: { target: "version", odd: 3 } }), { target: "version" });
    assert.strictEqual(fieldNamesOf({ fields: ["target"] }), undefined);
    assert.strictEqual(fieldNamesOf({}), undefined);
  });
});
