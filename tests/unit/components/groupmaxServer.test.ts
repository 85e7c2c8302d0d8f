import * as assert from "assert";
import { GroupmaxServer } from "../../../components/groupmaxServer";
import { registerWithMocks } from "../../support/pulumiMocks";

describe("GroupmaxServer component", () => {
  it("passes its secret environment and the key's passphrase on to the Server as secrets, the options as written", async () => {
    const installers = { mailServer: `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | sh /var/tmp/gmx6/install.sh mail --password-stdin` };
    const r = await registerWithMocks(
      "upchain:Server",
      () =>
        new GroupmaxServer("gmx", {
          connection: { host: "192.0.2.20", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY", privateKeyPassphrase: "open sesame" },
          version: "06-00",
          options: { installers },
          secretEnv: { UPCHAIN_SECRET_MAILADMINPASSWORD: "hunter22" },
        }),
    );
    assert.deepStrictEqual(r.secretInputs.secretEnv, { UPCHAIN_SECRET_MAILADMINPASSWORD: "hunter22" });
    assert.strictEqual(r.secretInputs.privateKeyPassphrase, "open sesame");
    // the options carry the reference, never the value
    assert.deepStrictEqual(r.plainInputs.options, { installers });
    assert.ok(!JSON.stringify(r.plainInputs).includes("hunter22"));
  });
});
