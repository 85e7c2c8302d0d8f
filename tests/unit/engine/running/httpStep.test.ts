// The http step against a real HTTP server on this machine's loopback, reached through the host's
// openStream (here a plain TCP connection, as the SSH tunnel gives one); the commands around an
// attempt run for real in sh and leave their marks in a file, so the order is what happened.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { runHttpStep } from "../../../../providers/engine/running/httpStep";
import { isUpchainError } from "../../../../providers/errors";
import { Step } from "../../../../providers/engine/planning/catalog";
import { StreamTarget } from "../../../../providers/transport/remoteHost";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";

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
    provenance: TEST_STEP,
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
      {
        waitSeconds: 0,
        note: "pools stopped",
        before: [`echo stopped > ${marks}.pool; echo stop >> ${marks}`],
        after: [`echo started > ${marks}.pool; echo start >> ${marks}`],
      },
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
      // after a wait the page is read again before pressing (an install may have started meanwhile), and before
      // the pool is stopped too (never stop what a running install may use), then again after it
      assert.deepStrictEqual(p.log, [
        "GET /",
        "POST /install module=ecommerce",
        "GET /",
        "GET /",
        "POST /install module=ecommerce",
        "GET /",
        "GET /",
        "GET /",
        "POST /install module=ecommerce",
        "GET /",
      ]);
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

/**
 * A portal as contract 3 describes it: the list page lists the module (with a hidden token) until an
 * install finishes; pressing starts the install in the background (the page shows it installing for
 * `installMs`) and returns to the list. `dropAnswer` closes the connection once the press has arrived,
 * as a link that drops under « Installer » does.
 */
function backgroundPortal(o: { installMs: number; dropAnswer?: boolean; token?: string; installingAtStart?: boolean }) {
  const log: string[] = [];
  let state: "listed" | "installing" | "done" = o.installingAtStart ? "installing" : "listed";
  let timer: NodeJS.Timeout | undefined;
  const install = () => {
    state = "installing";
    timer = setTimeout(() => (state = "done"), o.installMs);
  };
  if (o.installingAtStart) install();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      log.push(`${req.method} ${req.url} ${body}`.trim());
      if (req.method === "POST") {
        if (state === "installing") return res.writeHead(409).end("une installation est en cours");
        install();
        if (o.dropAnswer) return req.socket.destroy();
        return res.writeHead(302, { location: "/" }).end();
      }
      const token = o.token ? `<input type="hidden" name="__token" value="${o.token}">` : "";
      const page =
        state === "listed"
          ? `<form method="post" action="/install">${token}<tr data-module="ecommerce"><button>Installer</button></tr></form>`
          : state === "installing"
            ? `<tr data-module="ecommerce" class="installing">Installation en cours</tr>`
            : "Toutes les applications sont à jour";
      res.writeHead(200, { "content-type": "text/html" }).end(page);
    });
  });
  return {
    server,
    log,
    presses: () => log.filter((l) => l.startsWith("POST")).length,
    start: () => new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port))),
    close: () => (clearTimeout(timer), server.close()),
  };
}

/** A tunnel that stops opening once `down()` was called: the host cannot be reached any more. */
class DroppingHost extends TunnelHost {
  private isDown = false;
  down() {
    this.isDown = true;
  }
  async openStream(t: StreamTarget) {
    if (this.isDown) throw new Error("Not connected");
    return super.openStream(t);
  }
}

function formStep(port: number, extra: Partial<Record<string, unknown>> = {}): Step {
  return step("/nonexistent", port, {
    request: { method: "POST", path: "/install" },
    form: { fields: { module: "ecommerce", action: "installer & go" }, tokensFromPage: ["__token"] },
    expectStatus: [302],
    busy: { present: 'class="installing"' },
    attempts: [
      { waitSeconds: 0, note: "press Installer" },
      { waitSeconds: 150, note: "again" },
    ],
    ...extra,
  });
}

describe("http step: an install that runs in the background, and an answer that is lost", () => {
  const fast = { log: () => undefined, pollMs: 20, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))) };

  it("the form is sent URL-encoded with the hidden token read from the list page, and the step waits while the page shows the install running", async () => {
    const p = backgroundPortal({ installMs: 300, token: "a+b/c=" });
    const port = await p.start();
    try {
      const r = await runHttpStep(new TunnelHost(port), formStep(8080), { ...fast, deadlineMs: 60_000 });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(p.presses(), 1, p.log.join("\n"));
      const post = p.log.find((l) => l.startsWith("POST"))!;
      assert.strictEqual(post, "POST /install module=ecommerce&action=installer+%26+go&__token=a%2Bb%2Fc%3D");
      assert.match(r.stdout, /install running/);
    } finally {
      p.close();
    }
  });

  it("a token the list page does not have fails the step naming it, and nothing is pressed", async () => {
    const p = backgroundPortal({ installMs: 100 });
    const port = await p.start();
    try {
      const r = await runHttpStep(new TunnelHost(port), formStep(8080), { ...fast, deadlineMs: 60_000 });
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /no hidden input named "__token"/);
      assert.strictEqual(p.presses(), 0);
    } finally {
      p.close();
    }
  });

  it("the answer to « Installer » lost while the install runs: the step re-reads the page, waits for the install and succeeds without pressing again", async () => {
    const p = backgroundPortal({ installMs: 400, dropAnswer: true, token: "t" });
    const port = await p.start();
    try {
      const lines: string[] = [];
      const r = await runHttpStep(new TunnelHost(port), formStep(8080), { ...fast, log: (l) => lines.push(l), deadlineMs: 60_000 });
      assert.strictEqual(r.code, 0, `${r.stderr}\n${lines.join("\n")}`);
      assert.strictEqual(p.presses(), 1, "never pressed while the install ran");
      assert.match(lines.join("\n"), /answer .*lost/);
    } finally {
      p.close();
    }
  });

  it("the host unreachable after a lost answer: INSTALL_MAY_STILL_RUN, saying the install may still run, nothing pressed again", async () => {
    const p = backgroundPortal({ installMs: 5_000, dropAnswer: true, token: "t" });
    const port = await p.start();
    const host = new DroppingHost(port);
    try {
      // the drop: once the press went out, no tunnel opens any more
      const run = runHttpStep(host, formStep(8080), {
        ...fast,
        deadlineMs: 60_000,
        contactTimeoutMs: 300,
        log: (l) => (/POST|lost/.test(l) ? host.down() : undefined),
      });
      await assert.rejects(
        run,
        (e: unknown) =>
          isUpchainError(e, "INSTALL_MAY_STILL_RUN") && /may still run/.test((e as Error).message) && /nothing was restored/i.test((e as Error).message),
      );
      assert.strictEqual(p.presses(), 1);
    } finally {
      p.close();
    }
  });

  it("a resumed run that finds the install running: waits, never presses, and is done when the module leaves the list", async () => {
    const p = backgroundPortal({ installMs: 300, installingAtStart: true, token: "t" });
    const port = await p.start();
    try {
      const r = await runHttpStep(new TunnelHost(port), formStep(8080), { ...fast, deadlineMs: 60_000 });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(p.presses(), 0, p.log.join("\n"));
    } finally {
      p.close();
    }
  });

  it("still installing at the step's deadline: INSTALL_MAY_STILL_RUN, nothing pressed and nothing said to be restored", async () => {
    const p = backgroundPortal({ installMs: 60_000, installingAtStart: true });
    const port = await p.start();
    try {
      await assert.rejects(
        runHttpStep(new TunnelHost(port), formStep(8080), { ...fast, deadlineMs: 300 }),
        (e: unknown) => isUpchainError(e, "INSTALL_MAY_STILL_RUN") && /still shows the install running/.test((e as Error).message),
      );
      assert.strictEqual(p.presses(), 0);
    } finally {
      p.close();
    }
  });
});
