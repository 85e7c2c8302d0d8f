import * as assert from "assert";
import { AltazionServer } from "../../../components/altazionServer";
import { userField } from "../../../providers/server/fields";
import { registerWithMocks } from "../../support/pulumiMocks";

describe("AltazionServer component", () => {
  it("names a module's refused target by the version its argument gives (modules[1].version), not the provider's options.modules[1].target", async () => {
    const r = await registerWithMocks(
      "upchain:Server",
      () =>
        new AltazionServer("az", {
          connection: { host: "192.0.2.30", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY" },
          modules: [
            { name: "ecommerce", version: "5.2.0.0", folder: "C:\\Altazion\\ecommerce" },
            { name: "database", version: "5.3.0.0", folder: "C:\\Altazion\\database" },
          ],
        }),
    );
    const names = r.plainInputs.fields as Record<string, string>;
    assert.strictEqual(userField("options.modules[1].target", names), "modules[1].version");
    assert.strictEqual(userField("options.modules[0].name", names), "modules[0].name");
    assert.strictEqual(userField("target", names), "modules");
  });
});
