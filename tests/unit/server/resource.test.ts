import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Server } from "../../../providers/server/resource";
import { RegisteredResource, registerWithMocks } from "../../support/pulumiMocks";

const connection = { host: "192.0.2.20", hostKey: "ssh-ed25519 AAAA", privateKey: "-----BEGIN KEY-----", privateKeyPassphrase: "open sesame" };

describe("Server resource", () => {
  let registered: RegisteredResource;
  before(async () => {
    registered = await registerWithMocks(
      "upchain:Server",
      () => new Server("gmx", { product: "groupmax", target: "06-00", connection, secretEnv: { UPCHAIN_SECRET_MAILADMINPASSWORD: "hunter22" } }),
    );
  });
  it("sends the secret environment as a secret input, never as plain text", () => {
    assert.deepStrictEqual(registered.secretInputs.secretEnv, { UPCHAIN_SECRET_MAILADMINPASSWORD: "hunter22" });
    assert.ok(!("secretEnv" in registered.plainInputs));
  });
  it("sends the key and its passphrase as secrets beside a connection that holds neither", () => {
    assert.strictEqual(registered.secretInputs.privateKeyPassphrase, "open sesame");
    assert.strictEqual(registered.secretInputs.privateKey, "-----BEGIN KEY-----");
    assert.deepStrictEqual(registered.plainInputs.connection, { host: "192.0.2.20", hostKey: "ssh-ed25519 AAAA" });
  });
  it("keeps the secret environment and every credential secret in the outputs too", () => {
    for (const f of ["privateKey", "privateKeyPassphrase", "password", "secretEnv"]) assert.ok(registered.additionalSecretOutputs.includes(f), f);
  });
  it("sends no secret environment when the options reference none", async () => {
    const r = await registerWithMocks(
      "upchain:Server",
      () => new Server("plain", { product: "omflow", target: "1.2.0.1", connection: { host: "h", hostKey: "k", password: pulumi.secret("pw") } }),
    );
    assert.ok(!("secretEnv" in r.secretInputs) && !("secretEnv" in r.plainInputs));
    assert.ok(!("privateKeyPassphrase" in r.secretInputs));
    assert.strictEqual(r.secretInputs.password, "pw");
  });
  it("gives the SDK no key for an input left unset (it makes promises for every key, set or not): only the set inputs, the three outputs, urn and id", async () => {
    let server: Server | undefined;
    await registerWithMocks(
      "upchain:Server",
      () => (server = new Server("bare", { product: "omflow", target: "1.2.0.1", connection: { host: "h", hostKey: "k", password: pulumi.secret("pw") } })),
    );
    const fields = server as unknown as Record<string, unknown>;
    const outputs = Object.keys(fields).filter((k) => pulumi.Output.isInstance(fields[k]));
    assert.deepStrictEqual(outputs.sort(), [
      "__provider",
      "connection",
      "id",
      "installedVersion",
      "options",
      "outcome",
      "password",
      "plan",
      "product",
      "resourceName",
      "target",
      "urn",
    ]);
  });
  it("tells the provider its own name in the stack, so that progress lines name the server by it", () => {
    assert.strictEqual(registered.plainInputs.resourceName, "gmx");
  });
});
