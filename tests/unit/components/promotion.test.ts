// The promotion gate as the components hand it to their servers: read from the previous stack's
// `proven` output through a StackReference (Pulumi's mock monitor plays that stack), one gate per
// server with its own override; a cluster's members each get the cluster's.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Promotion } from "../../../components/promotion";
import { OmflowServer } from "../../../components/omflowServer";
import { WebCacheCluster } from "../../../components/webCacheCluster";

describe("Promotion: the previous stack's proven versions reach each server's gate", () => {
  it("each server gets the versions its product runs in the previous stack, and only its own override", async () => {
    const servers: Record<string, unknown> = {};
    let referenced: string | undefined;
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          if (args.type === "pulumi:pulumi:StackReference") {
            referenced = args.inputs.name;
            return {
              id: args.inputs.name,
              state: { outputs: { proven: { omflow: { "1.2.0.1": ["of-stg"] }, "oracle-as": { "10.1.2.0.2": ["wc-stg1", "wc-stg2"] } } } },
            };
          }
          if (args.type === "pulumi-nodejs:dynamic/upchain:Server") servers[args.name] = args.inputs.promotion;
          return { id: `${args.name}-id`, state: {} };
        },
        call: () => ({}),
      },
      "upchain",
      "prod",
      false,
    );
    const promotion = new Promotion({ from: "organization/upchain/staging", overrides: { "wc-prod": "vendor fix, change 4711" } });
    const connection = { host: "192.0.2.30", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY" };
    new OmflowServer("of-prod", { connection, version: "1.2.0.1", promotion: promotion.gate("omflow", "of-prod") });
    new WebCacheCluster("wc-prod", {
      version: "10.1.2",
      balancer: { connection: { ...connection, host: "192.0.2.40" } },
      members: [
        { name: "wc1", connection: { ...connection, host: "192.0.2.41" } },
        { name: "wc2", connection: { ...connection, host: "192.0.2.42" } },
      ],
      promotion: promotion.gate("oracle-as", "wc-prod"),
    });
    for (let i = 0; i < 50 && Object.keys(servers).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(referenced, "organization/upchain/staging");
    assert.deepStrictEqual(servers["of-prod"], { from: "organization/upchain/staging", proven: ["1.2.0.1"], server: "of-prod" });
    for (const m of ["wc1", "wc2"])
      assert.deepStrictEqual(
        servers[m],
        { from: "organization/upchain/staging", proven: ["10.1.2.0.2"], server: "wc-prod", override: "vendor fix, change 4711" },
        m,
      );
  });
});
