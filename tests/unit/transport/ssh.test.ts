// The SSH transport against an in-process ssh2 server on localhost (no test host needed): encrypted
// client keys, the host key algorithm chosen by the pin, a connection reset while a command runs,
// and secrets masked across output chunks. A TCP relay in front of the server can reset the link.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Server, utils } from "ssh2";
import { isUpchainError } from "../../../providers/errors";
import { ReconnectingHost } from "../../../providers/transport/reconnectingHost";
import { connectSsh } from "../../../providers/transport/ssh";
import { Connection, RemoteHost } from "../../../providers/transport/remoteHost";

const passphrase = "open sesame, slowly";
const password = "hunter2-secret-pw";
/** A password that is also base64 text: "c2VjcmV0" is how base64 writes "secret". */
const base64Password = "c2VjcmV0";

/** What each command the fake server knows does on its channel. */
const commands: Record<string, (ch: any) => void> = {
  ok: (ch) => {
    ch.write("fine\n");
    ch.exit(0);
    ch.end();
  },
  // the password comes out in two packets, split in its middle
  leak: (ch) => {
    ch.write("pw=hunter2-");
    setTimeout(() => {
      ch.write("secret-pw done\n");
      ch.stderr.write("err: hunter2-se");
      setTimeout(() => {
        ch.stderr.write("cret-pw\n");
        ch.exit(0);
        ch.end();
      }, 30);
    }, 30);
  },
  hang: () => undefined,
  // the channel closes without saying how the command ended
  cut: (ch) => ch.close(),
};

describe("ssh transport against an in-process SSH server", function () {
  this.timeout(20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-ssh-"));
  const keygen = (name: string, args: string[]) => {
    execFileSync("ssh-keygen", ["-q", ...args, "-f", path.join(dir, name)]);
    return { priv: fs.readFileSync(path.join(dir, name), "utf8"), pub: fs.readFileSync(path.join(dir, name + ".pub"), "utf8").trim() };
  };
  const hostEd = keygen("host_ed25519", ["-t", "ed25519", "-N", ""]);
  const hostRsa = keygen("host_rsa", ["-t", "rsa", "-b", "2048", "-N", ""]);
  const client = keygen("client", ["-t", "ed25519", "-N", passphrase]);
  const allowed = utils.parseKey(client.pub) as ReturnType<typeof utils.parseKey> & { getPublicSSH(): Buffer; verify(d: Buffer, s: Buffer, h?: string): boolean };

  let server: Server;
  let relay: net.Server;
  let relayed: net.Socket[] = [];
  const serverSide: { end(): unknown }[] = [];
  let tcpConnections = 0;
  let port = 0;
  const hosts: RemoteHost[] = [];

  before(async () => {
    server = new Server({ hostKeys: [hostEd.priv, hostRsa.priv] }, (c) => {
      tcpConnections++;
      serverSide.push(c);
      c.on("error", () => undefined);
      c.on("authentication", (ctx: any) => {
        if (ctx.method === "password" && (ctx.password === password || ctx.password === base64Password)) return ctx.accept();
        if (ctx.method === "publickey" && ctx.key.data.equals(allowed.getPublicSSH())) {
          if (!ctx.signature || allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.accept();
        }
        ctx.reject(["publickey", "password"]);
      });
      c.on("ready", () => {
        c.on("session", (accept: any) => {
          accept().on("exec", (acceptExec: any, _reject: any, info: { command: string }) => {
            const ch = acceptExec();
            // a non-root login reads files as base64 through sudo
            if (info.command.startsWith("sudo -n -- sh -c ")) return (ch.write(Buffer.from("secret\n").toString("base64") + "\n"), ch.exit(0), ch.end());
            (commands[info.command] ?? ((x: any) => (x.exit(127), x.end())))(ch);
          });
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const upstream = (server.address() as net.AddressInfo).port;
    relay = net.createServer((sock) => {
      const up = net.connect(upstream, "127.0.0.1");
      sock.on("error", () => undefined);
      up.on("error", () => undefined);
      sock.pipe(up).pipe(sock);
      up.on("close", () => sock.destroy());
      sock.on("close", () => up.destroy());
      relayed.push(sock);
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
    port = (relay.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.close();
  });
  after(async () => {
    for (const s of relayed) s.destroy();
    for (const c of serverSide) c.end();
    relay.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (c: Partial<Connection>) => {
    const h = await connectSsh({ host: "127.0.0.1", port, hostKey: hostEd.pub, ...c }, { readyTimeoutMs: 5000 });
    hosts.push(h);
    return h;
  };

  it("an encrypted private key logs in with its passphrase", async () => {
    const h = await connect({ privateKey: client.priv, privateKeyPassphrase: passphrase });
    assert.deepStrictEqual(await h.exec("ok"), { code: 0, signal: null, stdout: "fine\n", stderr: "" });
  });

  it("an encrypted private key without its passphrase is refused before any connection, naming the field", async () => {
    const before = tcpConnections;
    await assert.rejects(connect({ privateKey: client.priv }), (e: unknown) => {
      const m = (e as Error).message;
      return isUpchainError(e, "INVALID_INPUT") && /connection\.privateKeyPassphrase/.test(m) && !m.includes(client.priv.split("\n")[1]);
    });
    await assert.rejects(connect({ privateKey: client.priv, privateKeyPassphrase: "wrong" }), (e: unknown) => isUpchainError(e, "INVALID_INPUT") && (e as { path: string[] }).path.join(".") === "connection.privateKeyPassphrase" && !(e as Error).message.includes("wrong"));
    assert.strictEqual(tcpConnections, before);
  });

  it("a host pinned by its RSA key is asked for that key, though it also has an ed25519 one", async () => {
    const h = await connect({ password, hostKey: hostRsa.pub });
    assert.strictEqual((await h.exec("ok")).code, 0);
  });

  it("a host pinned by its ed25519 key still connects, and a fingerprint pin too", async () => {
    assert.strictEqual((await (await connect({ password })).exec("ok")).code, 0);
    const fp = execFileSync("ssh-keygen", ["-lf", path.join(dir, "host_ed25519.pub")], { encoding: "utf8" }).split(" ")[1];
    assert.strictEqual((await (await connect({ password, hostKey: fp })).exec("ok")).code, 0);
  });

  it("a secret split across output chunks is masked in onOutput and in the result", async () => {
    const h = await connect({ password });
    const seen = { stdout: "", stderr: "" };
    const r = await h.exec("leak", { onOutput: (t, s) => (seen[s] += t) });
    assert.strictEqual(r.stdout, "pw=[secret] done\n");
    assert.strictEqual(r.stderr, "err: [secret]\n");
    assert.deepStrictEqual(seen, { stdout: r.stdout, stderr: r.stderr });
  });

  it("a connection reset while a command runs fails it with CONNECTION_FAILED, and later operations too, without crashing", async () => {
    const h = await connect({ password });
    const running = h.exec("hang");
    await new Promise((r) => setTimeout(r, 100));
    for (const s of relayed.splice(0)) s.resetAndDestroy();
    const lost = (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /connection was lost/.test((e as Error).message);
    await assert.rejects(running, lost);
    await assert.rejects(h.exec("ok"), lost);
    await assert.rejects(h.readFile("/etc/hostname"), lost);
    await assert.rejects(h.writeFile("/tmp/x", "x"), lost);
  });

  it("a channel closed without an exit status is a failure, not an exit with no code", async () => {
    const h = await connect({ password });
    await assert.rejects(h.exec("cut"), (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /before it reported an exit status/.test((e as Error).message));
    assert.strictEqual((await h.exec("ok")).code, 0, "the connection itself is still fine");
  });

  it("behind a ReconnectingHost, the next command after a reset goes over a new connection", async () => {
    const conn = { host: "127.0.0.1", port, hostKey: hostEd.pub, password };
    const first = await connectSsh(conn);
    const host = new ReconnectingHost(first, (ms) => connectSsh(conn, { readyTimeoutMs: ms }), 10, 50, 5000);
    hosts.push(host);
    const before = tcpConnections;
    for (const s of relayed.splice(0)) s.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(first.lost, true, "the dropped connection knows it is lost");
    assert.strictEqual((await host.exec("ok")).stdout, "fine\n");
    assert.strictEqual(tcpConnections, before + 1);
  });

  it("a file read through a command is data, not output: a password that occurs in its base64 does not corrupt it", async () => {
    const h = await connect({ user: "deploy", password: base64Password });
    assert.strictEqual((await h.readFile("/etc/data")).toString(), "secret\n");
  });
});
