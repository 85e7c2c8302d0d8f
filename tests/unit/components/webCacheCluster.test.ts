// The WebCacheCluster's resources: a ClusterRollout, then a Server per member and stop of the chain,
// stop by stop (every member's patch set stop before any member's 10.1.2), one after the other.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { WebCacheCluster } from "../../../components/webCacheCluster";

describe("WebCacheCluster: a Server per member and stop, stop by stop", () => {
  it("every member's 9.0.2.3 Server, one after the other, then every member's 10.1.2 Server under the member's own name", async () => {
    const servers: { name: string; pool: { member: string; upTo?: string; after?: string } }[] = [];
    // the pool is a secret: the mock monitor sees it in Pulumi's secret envelope
    const unwrap = (v: unknown): unknown => (v && typeof v === "object" && "value" in v && Object.keys(v).some((k) => /^[0-9a-f]{32}$/.test(k)) ? v.value : v);
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          if (args.type === "pulumi-nodejs:dynamic/upchain:Server")
            servers.push({ name: args.name, pool: unwrap(args.inputs.pool) as (typeof servers)[number]["pool"] });
          return { id: `${args.name}-id`, state: {} };
        },
        call: () => ({}),
      },
      "upchain",
      "prod",
      false,
    );
    const connection = { host: "192.0.2.30", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY" };
    new WebCacheCluster("wc", {
      version: "10.1.2",
      balancer: { connection: { ...connection, host: "192.0.2.40" } },
      members: ["wc1", "wc2", "wc3"].map((name, k) => ({ name, connection: { ...connection, host: `192.0.2.4${k + 1}` } })),
    });
    for (let i = 0; i < 50 && servers.length < 6; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepStrictEqual(
      servers.map((s) => s.name),
      ["wc1-9.0.2.3", "wc2-9.0.2.3", "wc3-9.0.2.3", "wc1", "wc2", "wc3"],
      "registered in run order",
    );
    assert.deepStrictEqual(
      servers.map((s) => [s.pool.member, s.pool.upTo, s.pool.after]),
      [
        ["wc1", "9.0.2.3", undefined],
        ["wc2", "9.0.2.3", undefined],
        ["wc3", "9.0.2.3", undefined],
        ["wc1", "10.1.2", "9.0.2.3"],
        ["wc2", "10.1.2", "9.0.2.3"],
        ["wc3", "10.1.2", "9.0.2.3"],
      ],
    );
  });
});
