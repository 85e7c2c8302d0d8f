// SSH handshakes are bounded: the gate on made-up jobs (failures give their place back), and 40
// connections opened at once against an in-process ssh2 server that counts the connections it holds
// between TCP accept and authenticated: never more than HANDSHAKES_AT_ONCE, and all 40 log in.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Server, utils } from "ssh2";
import { Gate, HANDSHAKES_AT_ONCE } from "../../../providers/transport/handshakeGate";
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

  describe("against an in-process SSH server", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-gate-"));
    const keygen = (name: string) => {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, name)]);
      return { priv: fs.readFileSync(path.join(dir, name), "utf8"), pub: fs.readFileSync(path.join(dir, name + ".pub"), "utf8").trim() };
    };
    const hostKey = keygen("host");
    const client = keygen("client");
    const allowed = utils.parseKey(client.pub) as any;
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
        c.on("authentication", (ctx: any) => {
          if (ctx.method === "publickey" && ctx.key.data.equals(allowed.getPublicSSH())) {
            if (!ctx.signature) return ctx.accept();
            // a slow login, as a loaded host's is: handshakes overlap unless something holds them back
            if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return void setTimeout(() => ctx.accept(), 30);
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
      const opened: RemoteHost[] = await Promise.all(Array.from({ length: 40 }, () => connectSsh({ host: "127.0.0.1", port, hostKey: hostKey.pub, privateKey: client.priv }, { readyTimeoutMs: 20_000 })));
      try {
        assert.strictEqual(authenticated, 40);
        assert.ok(most <= HANDSHAKES_AT_ONCE, `${most} handshakes at once`);
        assert.ok(most >= 2, `handshakes still overlap up to the bound (${most})`);
        assert.ok(opened.every((h) => !h.lost));
      } finally {
        await Promise.all(opened.map((h) => h.close()));
      }
    });
  });
});
