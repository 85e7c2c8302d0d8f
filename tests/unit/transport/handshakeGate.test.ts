// SSH handshakes are bounded: the gate on made-up jobs (failures give their place back), and 40
// connections opened at once against an in-process ssh2 server that counts the connections it holds
// between TCP accept and authenticated: never more than HANDSHAKES_AT_ONCE, and all 40 log in.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ParsedKey, Server, utils } from "ssh2";
import { Gate, HANDSHAKES_AT_ONCE, handshakeWithRetry } from "../../../providers/transport/handshakeGate";
import { connectSsh } from "../../../providers/transport/ssh";
import { RemoteHost } from "../../../providers/transport/remoteHost";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("bounded SSH handshakes", function () {
  this.timeout(60_000);

  it("a gate of 3 runs 20 jobs at most 3 at a time, every one of them, failures included", async () => {
    const gate = new Gate(3);
    let now = 0;
    let most = 0;
    const done: number[] = [];
    const jobs = Array.from({ length: 20 }, (_, i) =>
      gate.run(async () => {
        most = Math.max(most, ++now);
        await sleep(5 + (i % 4) * 3);
        now--;
        if (i % 5 === 0) throw new Error(`job ${i} failed`);
        done.push(i);
        return i;
      }),
    );
    const settled = await Promise.allSettled(jobs);
    assert.strictEqual(most, 3);
    assert.strictEqual(settled.filter((s) => s.status === "rejected").length, 4);
    assert.strictEqual(done.length, 16);
    assert.strictEqual(gate.active, 0, "every place was given back");
    assert.strictEqual(gate.queued, 0);
  });

  it("a gate refuses a bound below 1", () => {
    assert.throws(() => new Gate(0), /at least 1/);
  });

  /** A made-up handshake as ssh2 makes one: its ready timeout starts when it is called, and it takes `ms`. */
  const fakeHandshake = (ms: number, timeoutMs: number, log: string[]) => () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error("Timed out while waiting for handshake"), { level: "client-timeout" })), timeoutMs);
      setTimeout(() => (clearTimeout(timer), log.push("ready"), resolve("ready")), ms);
    });

  it("handshakes that wait behind a full gate longer than their ready timeout do not time out: the timeout starts with each one's turn", async () => {
    const gate = new Gate(1);
    const log: string[] = [];
    // 6 handshakes of 40 ms through a gate of 1: the last waits 200 ms, twice its 100 ms timeout
    const all = await Promise.allSettled(Array.from({ length: 6 }, () => handshakeWithRetry(fakeHandshake(40, 100, log), { gate, tries: 1 })));
    assert.deepStrictEqual(
      all.map((a) => a.status),
      Array(6).fill("fulfilled"),
    );
    assert.strictEqual(log.length, 6);
  });

  it("a handshake that timed out is tried again after a wait outside the gate, and the next try logs in", async () => {
    const gate = new Gate(1);
    let tries = 0;
    const retried: number[] = [];
    const host = await handshakeWithRetry(
      async () => {
        if (++tries < 3) throw Object.assign(new Error("Timed out while waiting for handshake"), { level: "client-timeout" });
        return "logged in";
      },
      { gate, tries: 3, backoffMs: 5, onRetry: (n) => (retried.push(n), assert.strictEqual(gate.active, 0, "the gate is free while it waits")) },
    );
    assert.strictEqual(host, "logged in");
    assert.strictEqual(tries, 3);
    assert.deepStrictEqual(retried, [1, 2]);
  });

  it("a handshake that keeps timing out gives up after its tries with the timeout's error", async () => {
    let tries = 0;
    await assert.rejects(
      handshakeWithRetry(
        async () => (tries++, Promise.reject(Object.assign(new Error("Timed out while waiting for handshake"), { level: "client-timeout" }))),
        { gate: new Gate(2), tries: 3, backoffMs: 1 },
      ),
      /Timed out while waiting for handshake/,
    );
    assert.strictEqual(tries, 3);
  });

  it("a refused login, a refused host key or a refused connection is never tried again", async () => {
    for (const level of ["client-authentication", "client-socket", undefined]) {
      let tries = 0;
      await assert.rejects(
        handshakeWithRetry(async () => (tries++, Promise.reject(Object.assign(new Error(`failed (${level})`), { level }))), {
          gate: new Gate(2),
          tries: 3,
          backoffMs: 1,
        }),
        /failed/,
      );
      assert.strictEqual(tries, 1, `${level} tried once`);
    }
  });

  describe("against an in-process SSH server", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-gate-"));
    const keygen = (name: string) => {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, name)]);
      return { priv: fs.readFileSync(path.join(dir, name), "utf8"), pub: fs.readFileSync(path.join(dir, name + ".pub"), "utf8").trim() };
    };
    const hostKey = keygen("host");
    const client = keygen("client");
    const allowed = utils.parseKey(client.pub) as ParsedKey;
    let server: Server;
    let port = 0;
    let handshaking = 0;
    let most = 0;
    let authenticated = 0;
    const sides: { end(): unknown }[] = [];

    before(async () => {
      server = new Server({ hostKeys: [hostKey.priv] }, (c) => {
        sides.push(c);
        most = Math.max(most, ++handshaking);
        c.on("error", () => undefined);
        c.on("authentication", (ctx) => {
          if (ctx.method === "publickey" && ctx.key.data.equals(allowed.getPublicSSH())) {
            if (!ctx.signature) return ctx.accept();
            // a slow login, as a loaded host's is: handshakes overlap unless something holds them back
            if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return void setTimeout(() => ctx.accept(), 30);
          }
          ctx.reject(["publickey"]);
        });
        c.on("ready", () => {
          handshaking--;
          authenticated++;
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      port = (server.address() as net.AddressInfo).port;
    });
    after(() => {
      sides.forEach((s) => s.end());
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it(`40 connections opened at once: at most ${HANDSHAKES_AT_ONCE} handshake at a time, and all 40 log in and stay open`, async () => {
      const opened: RemoteHost[] = await Promise.all(
        Array.from({ length: 40 }, () => connectSsh({ host: "127.0.0.1", port, hostKey: hostKey.pub, privateKey: client.priv }, { readyTimeoutMs: 20_000 })),
      );
      try {
        assert.strictEqual(authenticated, 40);
        assert.ok(most <= HANDSHAKES_AT_ONCE, `${most} handshakes at once`);
        assert.ok(most >= 2, `handshakes still overlap up to the bound (${most})`);
        assert.ok(opened.every((h) => !h.lost));
      } finally {
        await Promise.all(opened.map((h) => h.close()));
      }
    });

    /** A TCP front for the server whose first `silent` connections are accepted and never answered (an sshd starved of CPU). */
    async function frontWithSilentFirst(silent: number): Promise<{ port: number; connections: () => number; close(): void }> {
      let n = 0;
      const held: net.Socket[] = [];
      const front = net.createServer((sock) => {
        sock.on("error", () => undefined);
        if (++n <= silent) return void held.push(sock);
        const back = net.connect(port, "127.0.0.1");
        back.on("error", () => sock.destroy());
        sock.pipe(back).pipe(sock);
        held.push(sock, back);
      });
      await new Promise<void>((r) => front.listen(0, "127.0.0.1", () => r()));
      return { port: (front.address() as net.AddressInfo).port, connections: () => n, close: () => (held.forEach((s) => s.destroy()), front.close()) };
    }

    it("a server that does not answer the first handshake within the ready timeout is connected to on the next try", async () => {
      const front = await frontWithSilentFirst(1);
      try {
        const h = await connectSsh({ host: "127.0.0.1", port: front.port, hostKey: hostKey.pub, privateKey: client.priv }, { readyTimeoutMs: 500 });
        assert.strictEqual(front.connections(), 2);
        assert.strictEqual(h.lost, false);
        await h.close();
      } finally {
        front.close();
      }
    });

    it("a refused login is not tried again: one connection, and the error names the credential", async () => {
      const front = await frontWithSilentFirst(0);
      const other = keygen("other");
      try {
        await assert.rejects(
          connectSsh({ host: "127.0.0.1", port: front.port, hostKey: hostKey.pub, privateKey: other.priv }, { readyTimeoutMs: 2000 }),
          /authentication failed/,
        );
        assert.strictEqual(front.connections(), 1);
      } finally {
        front.close();
      }
    });

    it("a reconnect's handshake (handshakeTries 1) is tried once: its caller keeps its own deadline", async () => {
      const front = await frontWithSilentFirst(1);
      try {
        await assert.rejects(
          connectSsh({ host: "127.0.0.1", port: front.port, hostKey: hostKey.pub, privateKey: client.priv }, { readyTimeoutMs: 300, handshakeTries: 1 }),
          /Timed out while waiting for handshake/,
        );
        assert.strictEqual(front.connections(), 1);
      } finally {
        front.close();
      }
    });
  });
});
