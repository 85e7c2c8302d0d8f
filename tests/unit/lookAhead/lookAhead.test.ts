import * as assert from "assert";
import { check as lookAheadCheck, diff, create } from "../../../providers/lookAhead/impl";
import { check as serverCheck } from "../../../providers/server/impl";
import { bounded, lookKey, rememberLook, takeLook } from "../../../providers/server/lookAhead";

describe("look-ahead: the servers' preview looks, side by side", () => {
  it("a look is keyed by the inputs themselves: key order and the dynamic provider's own key do not matter, any value does", () => {
    assert.strictEqual(lookKey({ a: 1, b: { c: [1, 2], d: "x" } }), lookKey({ b: { d: "x", c: [1, 2] }, a: 1, __provider: "serialized" }));
    assert.notStrictEqual(lookKey({ a: 1, b: { c: [1, 2] } }), lookKey({ a: 1, b: { c: [2, 1] } }));
    assert.notStrictEqual(lookKey({ target: "1.1.6.4" }), lookKey({ target: "1.1.6.3" }));
  });

  it("a remembered look is taken once, by the same inputs only", async () => {
    rememberLook({ target: "1" }, Promise.resolve("looked"));
    assert.strictEqual(takeLook({ target: "2" }), undefined);
    assert.strictEqual(await takeLook({ target: "1" }), "looked");
    assert.strictEqual(takeLook({ target: "1" }), undefined, "taken once");
  });

  it("a failed look is no unhandled rejection; whoever takes it gets the error", async () => {
    rememberLook({ target: "boom" }, Promise.reject(new Error("host unreachable")));
    await new Promise((r) => setImmediate(r));
    await assert.rejects(takeLook({ target: "boom" })!, /host unreachable/);
  });

  it("runs jobs a bounded number at a time, every one of them", async () => {
    let running = 0;
    let most = 0;
    const jobs = Array.from({ length: 10 }, (_, i) => async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 3) throw new Error("three");
      return i;
    });
    const out = await bounded(jobs, 3);
    assert.strictEqual(most, 3);
    assert.deepStrictEqual(out.map((o) => (o.status === "fulfilled" ? o.value : "x")), [0, 1, 2, "x", 4, 5, 6, 7, 8, 9]);
  });

  it("the LookAhead's check starts each server's look and keeps nothing of their inputs; each Server's check takes its own look", async () => {
    // inputs refused before any connection: the look is pure, and shows whose result each server gets
    const a = { product: "omflow", target: "not a version", connection: { host: "192.0.2.1", hostKey: "ssh-ed25519 AAAA" }, privateKey: "KEY-A" };
    const b = { ...a, target: "1.1.6.4", product: "no-such-product" };
    const r = await lookAheadCheck(undefined, { servers: [a, b] });
    assert.deepStrictEqual(r.inputs, { servers: 2 }, "the state keeps the count, never the credentials");
    const fromA = await serverCheck(undefined, { ...a, __provider: "p" });
    const fromB = await serverCheck(undefined, { ...b, __provider: "p" });
    assert.match(JSON.stringify(fromA.failures), /not a version/);
    assert.match(JSON.stringify(fromB.failures), /product/);
    assert.strictEqual(takeLook(a), undefined, "each look was taken");
    assert.strictEqual((await diff()).changes, false, "it never changes");
    assert.deepStrictEqual((await create({ servers: 2 })).outs, { servers: 2 });
  });
});
