// The acceptance tests' load loop (tests/support/loadLoop.ts) against a local HTTP server: it stops by
// itself at its request count or its time limit, and counts every failure it meets, since "0 failed
// requests" is only worth something if failures are seen.
import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import { startLoadLoop } from "../../support/loadLoop";

describe("load loop (test support)", function () {
  this.timeout(10_000);
  let server: http.Server;
  let url = "";
  let served = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      served++;
      const name = req.url === "/fail" && served % 2 === 0 ? undefined : "m1";
      if (!name) return void res.writeHead(503).end("No server is available\n");
      if (req.url === "/slow") return void setTimeout(() => res.writeHead(200, { Server: name }).end(`${name}\n`), 100);
      res.writeHead(200, { Server: name }).end(`${name}\n`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => server.close());

  it("stops at its request count and records each member's Server header and body", async () => {
    const r = await startLoadLoop({ url: `${url}/`, requests: 25, timeLimitMs: 5000, concurrency: 3 }).done;
    assert.strictEqual(r.samples.length, 25);
    assert.strictEqual(r.stoppedBy, "count");
    assert.deepStrictEqual(r.byServer, { m1: 25 });
    assert.ok(r.samples.every((s) => s.body === "m1" && s.server === "m1" && s.end >= s.start));
    assert.deepStrictEqual(r.failures, []);
  });

  it("stops at its time limit when the count is not reached", async () => {
    const started = Date.now();
    const r = await startLoadLoop({ url: `${url}/slow`, requests: 1_000_000, timeLimitMs: 400 }).done;
    assert.strictEqual(r.stoppedBy, "time");
    assert.ok(r.samples.length >= 1 && r.samples.length <= 6, `${r.samples.length} samples`);
    assert.ok(Date.now() - started < 1000);
  });

  it("counts answers other than 200, and connections refused, as failures", async () => {
    const r = await startLoadLoop({ url: `${url}/fail`, requests: 10, timeLimitMs: 5000 }).done;
    assert.strictEqual(r.failures.length, 5);
    assert.ok(r.failures.every((f) => f.status === 503 && /^HTTP 503: No server is available/.test(f.failure!)));
    const closed = net.createServer();
    await new Promise<void>((res) => closed.listen(0, "127.0.0.1", res));
    const port = (closed.address() as net.AddressInfo).port;
    closed.close();
    const refused = await startLoadLoop({ url: `http://127.0.0.1:${port}/`, requests: 3, timeLimitMs: 5000 }).done;
    assert.strictEqual(refused.failures.length, 3);
    assert.match(refused.failures[0].failure!, /ECONNREFUSED/);
  });

  it("stop() ends it early; requests in flight still finish", async () => {
    const loop = startLoadLoop({ url: `${url}/slow`, requests: 1000, timeLimitMs: 5000, concurrency: 2 });
    setTimeout(() => loop.stop(), 250);
    const r = await loop.done;
    assert.strictEqual(r.stoppedBy, "stop");
    assert.ok(r.samples.length < 20 && r.failures.length === 0);
  });
});
