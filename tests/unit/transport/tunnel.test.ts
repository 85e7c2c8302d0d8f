// RemoteHost.openStream over SSH against an in-process ssh2 server on localhost: a unix socket
// (direct-streamlocal) and a TCP port (direct-tcpip) reached through the connection, a refusal by the
// server, and the same through a ReconnectingHost after the connection dropped.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { Duplex } from "stream";
import { ParsedKey, Server, utils } from "ssh2";
import { isUpchainError } from "../../../providers/errors";
import { ReconnectingHost } from "../../../providers/transport/reconnectingHost";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { connectSsh } from "../../../providers/transport/ssh";

/** Send `text`, then collect everything until the far end closes. */
function converse(stream: Duplex, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    stream.on("data", (d: Buffer) => (out += d.toString()));
    stream.on("error", reject);
    stream.on("close", () => resolve(out));
    stream.write(text);
  });
}

/** A one-shot server: answers the first line with a label and the line, then closes (like HAProxy's CLI). */
function oneShot(label: string): net.Server {
  return net.createServer((s) => {
    let buf = "";
    s.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\n")) s.end(`${label} got ${buf.split("\n")[0]}\n`);
    });
  });
}

describe("tunnelled streams (RemoteHost.openStream) against an in-process SSH server", function () {
  this.timeout(20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-tunnel-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "client")]);
  const hostKey = fs.readFileSync(path.join(dir, "host.pub"), "utf8").trim();
  const clientKey = fs.readFileSync(path.join(dir, "client"), "utf8");
  const allowed = utils.parseKey(fs.readFileSync(path.join(dir, "client.pub"), "utf8")) as ParsedKey;
  const socketPath = path.join(dir, "admin.sock");
  const unixServer = oneShot("unix");
  const tcpServer = oneShot("tcp");
  let ssh: Server;
  let port = 0;
  let tcpPort = 0;
  /** What the SSH server was asked to open, in order. */
  const asked: string[] = [];
  const sessions: { end(): unknown }[] = [];
  const hosts: RemoteHost[] = [];

  before(async () => {
    await new Promise<void>((r) => unixServer.listen(socketPath, r));
    await new Promise<void>((r) => tcpServer.listen(0, "127.0.0.1", r));
    tcpPort = (tcpServer.address() as net.AddressInfo).port;
    ssh = new Server({ hostKeys: [fs.readFileSync(path.join(dir, "host"))] }, (client) => {
      sessions.push(client);
      client.on("error", () => undefined);
      client.on("authentication", (ctx) => {
        const ok = ctx.method === "publickey" && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
        if (ok && (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo))) return ctx.accept();
        ctx.reject(["publickey"]);
      });
      client.on("ready", () => {
        client.on("openssh.streamlocal", (accept, reject, info) => {
          asked.push(`unix ${info.socketPath}`);
          // like sshd: the socket is opened here, and a failure is a bare refusal
          const s = net.connect(info.socketPath);
          s.once("error", () => reject());
          s.once("connect", () => {
            const ch = accept();
            s.pipe(ch).pipe(s);
          });
        });
        client.on("tcpip", (accept, reject, info) => {
          asked.push(`tcp ${info.destIP}:${info.destPort}`);
          const s = net.connect(info.destPort, info.destIP);
          s.once("error", () => reject());
          s.once("connect", () => {
            const ch = accept();
            s.pipe(ch).pipe(s);
          });
        });
      });
    });
    await new Promise<void>((r) => ssh.listen(0, "127.0.0.1", r));
    port = (ssh.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const h of hosts) await h.close().catch(() => undefined);
    ssh?.close();
    unixServer.close();
    tcpServer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = async () => {
    const h = await connectSsh({ host: "127.0.0.1", port, user: "lb", privateKey: clientKey, hostKey });
    hosts.push(h);
    return h;
  };

  it("reaches a unix socket on the host and carries a request and its answer", async () => {
    const h = await connect();
    const s = await h.openStream!({ socketPath });
    assert.strictEqual(await converse(s, "show servers state\n"), "unix got show servers state\n");
    assert.strictEqual(asked.at(-1), `unix ${socketPath}`);
  });

  it("reaches a TCP port as the host sees it", async () => {
    const h = await connect();
    const s = await h.openStream!({ host: "127.0.0.1", port: tcpPort });
    assert.strictEqual(await converse(s, "hello\n"), "tcp got hello\n");
    assert.strictEqual(asked.at(-1), `tcp 127.0.0.1:${tcpPort}`);
  });

  it("a socket the server cannot open is CONNECTION_FAILED naming the socket and the login", async () => {
    const h = await connect();
    const missing = path.join(dir, "missing.sock");
    await assert.rejects(h.openStream!({ socketPath: missing }), (e: unknown) => {
      assert.ok(isUpchainError(e, "CONNECTION_FAILED"), String(e));
      assert.ok(e.message.includes(`unix:${missing}`) && e.message.includes(" for lb"), e.message);
      return true;
    });
    // the connection itself is still good
    assert.strictEqual(await converse(await h.openStream!({ socketPath }), "again\n"), "unix got again\n");
  });

  it("through a ReconnectingHost, a stream opened after the connection dropped goes over a new one", async () => {
    const first = await connect();
    let made = 0;
    const host = new ReconnectingHost(
      first,
      async () => {
        made++;
        return connect();
      },
      10,
      50,
    );
    assert.strictEqual(await converse(await host.openStream({ socketPath }), "one\n"), "unix got one\n");
    // the server ends every session: the link drops under the host
    for (const s of sessions.splice(0)) s.end();
    for (let i = 0; i < 100 && !first.lost; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(first.lost, "the first connection is seen as lost");
    assert.strictEqual(await converse(await host.openStream({ socketPath }), "two\n"), "unix got two\n");
    assert.strictEqual(made, 1, "one new connection");
  });

  it("a ReconnectingHost over a connection without tunnels says so", async () => {
    const plain: RemoteHost = {
      label: "plain",
      exec: async () => ({ code: 0, signal: null, stdout: "", stderr: "" }),
      readFile: async () => Buffer.from(""),
      writeFile: async () => undefined,
      close: async () => undefined,
    };
    const host = new ReconnectingHost(plain, async () => plain);
    await assert.rejects(host.openStream({ socketPath }), (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /cannot tunnel/.test(e.message));
  });
});
