import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { credentialInputs } from "../../../providers/connection";
import { HostFacts } from "../../../providers/hostFacts/resource";
import { registerWithMocks } from "../../support/pulumiMocks";

describe("HostFacts resource", () => {
  it("sends an encrypted key's passphrase as a secret and keeps it secret in the outputs", async () => {
    const r = await registerWithMocks(
      "upchain:HostFacts",
      () => new HostFacts("web1", { connection: { host: "192.0.2.10", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY", privateKeyPassphrase: "open sesame" } }),
    );
    assert.strictEqual(r.secretInputs.privateKeyPassphrase, "open sesame");
    assert.ok(!("privateKeyPassphrase" in r.plainInputs));
    assert.ok(r.additionalSecretOutputs.includes("privateKeyPassphrase"));
    assert.deepStrictEqual(r.plainInputs.connection, { host: "192.0.2.10", hostKey: "ssh-ed25519 AAAA" });
  });
  it("hands the program's names of its fields to the provider, so that a refusal names them", async () => {
    const fieldNames = { "connection.hostKey": "upchain:hosts[1].hostKey" };
    const r = await registerWithMocks(
      "upchain:HostFacts",
      () => new HostFacts("web2", { connection: { host: "192.0.2.11", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY" }, fieldNames }),
    );
    assert.deepStrictEqual(r.plainInputs.fields, fieldNames);
  });
});

describe("credentialInputs", () => {
  it("leaves an absent credential absent rather than an empty secret", () => {
    const c = credentialInputs({ host: "h", hostKey: "k", password: "pw-test" });
    assert.strictEqual(c.privateKey, undefined);
    assert.strictEqual(c.privateKeyPassphrase, undefined);
    assert.ok(pulumi.Output.isInstance(c.password));
  });
});
