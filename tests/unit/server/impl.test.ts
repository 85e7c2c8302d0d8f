// The Server provider's lifecycle entries: each takes Pulumi's properties as they come, parses them
// once, and refuses what does not parse before any connection.
import * as assert from "assert";
import { create, diff, read, update } from "../../../providers/server/impl";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
// 192.0.2.0/24 is TEST-NET-1: nothing answers there, so an entry that tried to connect would fail differently
const base = { product: "groupmax", target: "06-00", connection: { host: "192.0.2.10", hostKey }, privateKey: "not-a-real-key" };
const refusal = (p: Promise<unknown>) =>
  p.then(
    (r) => assert.fail(`not refused: ${JSON.stringify(r)}`),
    (e: unknown) => e as Error,
  );

describe("the Server provider's entries", function () {
  this.timeout(10_000);

  it("create, update and read refuse properties that do not parse, naming every problem at once with its code in front, without connecting", async () => {
    const bad = { ...base, product: "groupmx", target: "", connection: { host: "192.0.2.10" } };
    for (const [entry, e] of [
      ["create", await refusal(create(bad))],
      ["update", await refusal(update("groupmax@192.0.2.10:22", base, bad))],
      ["read", await refusal(read("groupmax@192.0.2.10:22", bad))],
    ] as const) {
      assert.match(e.message, /^INVALID_INPUT: connection\.hostKey: pin the host's key/, entry);
      assert.match(e.message, /\nproduct: did you mean "groupmax"\?/, entry);
      assert.match(e.message, /\ntarget: give the version this server should run/, entry);
      assert.doesNotMatch(e.message, /CONNECTION_FAILED|could not connect/, entry);
    }
  });

  it("diff of a server at its target, the state written before connections and pools were compared, finds no change", async () => {
    const r = await diff("id", { product: "groupmax", target: "06-00", installedVersion: "06-00" }, { product: "groupmax", target: "06-00" });
    assert.deepStrictEqual(r, { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("diff of a server off its target, or moved to another host, is a change", async () => {
    const offTarget = await diff("id", { ...base, installedVersion: "05-00" }, base);
    assert.deepStrictEqual(offTarget, { changes: true, replaces: [], deleteBeforeReplace: false });
    const moved = await diff("id", { ...base, installedVersion: "06-00" }, { ...base, connection: { host: "192.0.2.11", hostKey } });
    assert.strictEqual(moved.changes, true);
  });
});
