// The http step against a real HTTP server on this machine's loopback, reached through the host's
// openStream (here a plain TCP connection, as the SSH tunnel gives one); the commands around an
// attempt run for real in sh and leave their marks in a file, so the order is what happened.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { runHttpStep } from "../../../providers/engine/httpStep";
import { Step } from "../../../providers/engine/catalog";
import { StreamTarget } from "../../../providers/transport/remoteHost";
import { LocalHost, tempDir } from "../../support/localHost";

/** A portal that lists a module until an install succeeds; installs fail while `failures` > 0. */
function portal(o: { failures: number; poolFile?: string; refuse?: boolean }) {
  const log: string[] = [];
  let listed = true;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      log.push(`${req.method} ${req.url} ${body}`.trim());
      if (req.method === "POST") {
        if (o.refuse) return res.writeHead(409).end("base personnalisée");
        const poolStopped = o.poolFile ? fs.readFileSync(o.poolFile, "utf8").trim() === "stopped" : false;
        if (o.failures > 0 && !poolStopped) o.failures--;
        else listed = false;
        return res.writeHead(303, { location: "/" }).end();
      }
      res.writeHead(200, { "content-type": "text/html" }).end(listed ? '<tr data-module="ecommerce">' : "Toutes les applications sont à jour");
    });
  });
  return { server, log, start: () => new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port))) };
}

class TunnelHost extends LocalHost {
  opened: StreamTarget[] = [];
  constructor(private readonly port: number) {
    super();
  }
  async openStream(t: StreamTarget) {
    this.opened.push(t);
    return net.connect(this.port, "127.0.0.1");
  }
}

function step(marks: string, port: number, extra: Partial<Record<string, unknown>> = {}): Step {
  return {
    id: "install",
    action: "http",
    shell: "sh",
    title: "Install ecommerce",
    commands: [],
    destructive: true,
    port,
    request: { method: "POST", path: "/install", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "module=ecommerce" },
    expectStatus: [303],
    done: { path: "/", absent: 'data-module="ecommerce"' },
    attempts: [
      { waitSeconds: 0, note: "press Installer" },
      { waitSeconds: 150, note: "again" },
      { waitSeconds: 0, note: "pools stopped", before: [`echo stopped > ${marks}.pool; echo stop >> ${marks}`], after: [`echo started > ${marks}.pool; echo start >> ${marks}`] },
    ],
    giveUp: "open a ticket",
    ...extra,
  };
}

describe("http step: a portal on the host's loopback, through the tunnel, with the document's retries", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an install that loops twice: waits as the plan says, stops the pool, succeeds, and starts the pool again", async () => {
    const marks = path.join(dir, "marks");
    fs.writeFileSync(`${marks}.pool`, "started\n");
    const p = portal({ failures: 2, poolFile: `${marks}.pool` });
    const port = await p.start();
    const host = new TunnelHost(port);
    const slept: number[] = [];
    try {
      const r = await runHttpStep(host, step(marks, 8080), { deadlineMs: 600_000, log: () => undefined, sleep: async (ms) => void slept.push(ms) });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.deepStrictEqual(slept, [150_000]);
      assert.deepStrictEqual(p.log, ["GET /", "POST /install module=ecommerce", "GET /", "POST /install module=ecommerce", "GET /", "POST /install module=ecommerce", "GET /"]);
      assert.deepStrictEqual(fs.readFileSync(marks, "utf8").trim().split("\n"), ["stop", "start"]);
      assert.strictEqual(fs.readFileSync(`${marks}.pool`, "utf8").trim(), "started");
      assert.deepStrictEqual(host.opened[0], { host: "127.0.0.1", port: 8080 }, "the tunnel goes to the host's own loopback, at the step's port");
    } finally {
      p.server.close();
    }
  });

  it("already done (a resumed run): presses nothing", async () => {
    const p = portal({ failures: 0 });
    const port = await p.start();
    try {
      await runHttpStep(new TunnelHost(port), step(path.join(dir, "m"), 8080), { deadlineMs: 600_000, log: () => undefined });
      p.log.length = 0;
      const r = await runHttpStep(new TunnelHost(port), step(path.join(dir, "m"), 8080), { deadlineMs: 600_000, log: () => undefined });
      assert.strictEqual(r.code, 0);
      assert.deepStrictEqual(p.log, ["GET /"]);
    } finally {
      p.server.close();
    }
  });

  it("still looping after every attempt: fails with the document's remaining advice, the pool started again", async () => {
    const marks = path.join(dir, "marks");
    const p = portal({ failures: 99 });
    const port = await p.start();
    try {
      const r = await runHttpStep(new TunnelHost(port), step(marks, 8080), { deadlineMs: 600_000, log: () => undefined, sleep: async () => undefined });
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /still not done after 3 attempt\(s\)\. open a ticket/);
      assert.deepStrictEqual(fs.readFileSync(marks, "utf8").trim().split("\n"), ["stop", "start"]);
    } finally {
      p.server.close();
    }
  });

  it("a portal that refuses the request fails the step with its answer, and a failing 'before' still runs 'after'", async () => {
    const marks = path.join(dir, "marks");
    const p = portal({ failures: 0, refuse: true });
    const port = await p.start();
    try {
      const r = await runHttpStep(new TunnelHost(port), step(marks, 8080), { deadlineMs: 600_000, log: () => undefined });
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /refused POST \/install with 409: base personnalis/);
      const s = step(marks, 8080, { attempts: [{ waitSeconds: 0, note: "x", before: ["exit 7"], after: [`echo after >> ${marks}`] }] });
      const r2 = await runHttpStep(new TunnelHost(port), s, { deadlineMs: 600_000, log: () => undefined });
      assert.match(r2.stderr, /exit 7 exited 7/);
      assert.ok(fs.readFileSync(marks, "utf8").includes("after"));
      assert.ok(!p.log.slice(-1)[0].startsWith("POST"), "nothing sent after a failed 'before'");
    } finally {
      p.server.close();
    }
  });
});
