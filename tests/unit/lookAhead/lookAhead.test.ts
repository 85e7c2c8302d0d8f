import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
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
    assert.deepStrictEqual(
      out.map((o) => (o.status === "fulfilled" ? o.value : "x")),
      [0, 1, 2, "x", 4, 5, 6, 7, 8, 9],
    );
  });

  it("the LookAhead's check looks at every server and fails once, with one table naming each server's problems and the stack's own", async () => {
    // inputs refused before any connection: the look is pure, and shows whose result each row gets
    const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
    const a = {
      product: "omflow",
      target: "not a version",
      connection: { host: "192.0.2.1", hostKey },
      password: "PW-A",
      fields: { target: "upchain:servers[0].version" },
    };
    const b = { ...a, target: "1.1.6.4", product: "no-such-product", fields: { product: "upchain:servers[1].product" } };
    const given = [{ server: "c", field: "upchain:servers[2].prodcut", message: 'unknown key; did you mean "product"?' }];
    const r = await lookAheadCheck(undefined, { servers: [a, b], names: ["a", "b"], problems: given });
    assert.strictEqual(r.inputs, undefined);
    assert.strictEqual(r.failures?.length, 1, "one failure: the preview fails once");
    const [failure] = r.failures!;
    assert.strictEqual(failure.property, "", "no property: the engine prints no value (the inputs hold credentials)");
    const rows = failure.reason.split("\n");
    assert.match(rows[0], /^3 problems on 3 servers/);
    assert.ok(
      rows.some((l) => /^a +\| upchain:servers\[0\]\.version +\| INVALID_INPUT: "not a version" is not an? OMFLOW version/.test(l)),
      failure.reason,
    );
    assert.ok(
      rows.some((l) => /^b +\| upchain:servers\[1\]\.product +\| must be one of: omflow/.test(l)),
      failure.reason,
    );
    assert.ok(
      rows.some((l) => /^c +\| upchain:servers\[2\]\.prodcut +\| unknown key +\| did you mean "product"\?/.test(l)),
      failure.reason,
    );
    assert.ok(!failure.reason.includes("PW-A"), "no credential in the table");
    assert.strictEqual((await diff()).changes, false, "it never changes");
    assert.deepStrictEqual((await create({ servers: 2 })).outs, { servers: 2 });
  });

  it("the fleet's table reaches the terminal cleaned: an escape sequence in a problem is dropped (issue 19)", async () => {
    const given = [{ server: "c", field: "upchain:servers[2].version", message: "not a version: 1.2\x1b]52;c;ZXZpbA==\x07\x1b[2J\rforged" }];
    const r = await lookAheadCheck(undefined, { servers: [], names: [], problems: given });
    const [failure] = r.failures!;
    assert.match(failure.reason, /not a version: 1\.2forged/);
    assert.doesNotMatch(failure.reason, /[\x00-\x09\x0b-\x1f]|ZXZpbA/);
  });

  it("a Server's own check takes the look the LookAhead started for its very inputs", async () => {
    const a = { product: "omflow", target: "not a version", connection: { host: "192.0.2.1", hostKey: "ssh-ed25519 AAAA" }, privateKey: "KEY-A" };
    rememberLook(a, Promise.resolve({ failures: [{ property: "target", reason: "INVALID_INPUT: looked ahead" }] }));
    const fromA = await serverCheck(undefined, { ...a, __provider: "p" });
    assert.deepStrictEqual(fromA.failures, [{ property: "", reason: "target: INVALID_INPUT: looked ahead" }]);
    assert.strictEqual(takeLook(a), undefined, "the look was taken");
  });

  it("a fleet larger than the process's hard open-file limit is refused once, TOO_MANY_OPEN_FILES, before any connection", function () {
    this.timeout(30_000);
    // a real process whose hard limit is 100 (room for 36 servers) checks a fleet of 50 at loopback addresses nothing listens on (were any looked at, it would be refused there, not here)
    const impl = path.resolve(__dirname, "../../../providers/lookAhead/impl.js");
    const script = `
      const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
      const servers = Array.from({ length: 50 }, (_, i) => ({ product: "omflow", target: "1.1.6.4", connection: { host: "127.0.0." + (i + 2), port: 1, hostKey }, password: "secret-pw" }));
      const started = Date.now();
      require(${JSON.stringify(impl)}).check(undefined, { servers, names: servers.map((_, i) => "s" + i) })
        .then((r) => console.log(JSON.stringify({ r, ms: Date.now() - started })));`;
    const out = JSON.parse(execFileSync("prlimit", ["--nofile=100:100", process.execPath, "-e", script], { encoding: "utf8" }));
    assert.strictEqual(out.r.inputs, undefined);
    assert.strictEqual(out.r.failures.length, 1);
    assert.match(out.r.failures[0].reason, /^TOO_MANY_OPEN_FILES: 50 servers need about 114 open files in the provider process .* its hard limit is 100/);
    assert.ok(out.ms < 2000, `refused at once, no host looked at (${out.ms} ms)`);
  });
});
