import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { OmflowServer } from "../../../components/omflowServer";
import { registerWithMocks } from "../../support/pulumiMocks";

const connection = { host: "192.0.2.10", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY", privateKeyPassphrase: "open sesame" };

describe("OmflowServer component", () => {
  it("passes its secret environment and the key's passphrase on to the Server as secrets", async () => {
    const r = await registerWithMocks(
      "upchain:Server",
      () => new OmflowServer("wf", { connection, version: "1.2.0.1", secretEnv: pulumi.secret({ UPCHAIN_SECRET_DBPASSWORD: "pw" }) }),
    );
    assert.deepStrictEqual(r.secretInputs.secretEnv, { UPCHAIN_SECRET_DBPASSWORD: "pw" });
    assert.strictEqual(r.secretInputs.privateKeyPassphrase, "open sesame");
    assert.strictEqual(r.plainInputs.product, "omflow");
  });
  it("still takes the arguments it took before (no secret environment)", async () => {
    const r = await registerWithMocks(
      "upchain:Server",
      () => new OmflowServer("wf", { connection: { host: "h", hostKey: "k", privateKey: "KEY" }, version: "1.2.0.1", options: { offlineBundle: "/srv/b" } }),
    );
    assert.ok(!("secretEnv" in r.secretInputs) && !("secretEnv" in r.plainInputs));
    assert.deepStrictEqual(r.plainInputs.options, { offlineBundle: "/srv/b" });
  });
});
