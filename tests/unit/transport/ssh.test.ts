// The SSH transport against an in-process ssh2 server on localhost (no test host needed): encrypted
// client keys, the host key algorithm chosen by the pin, a connection reset while a command runs,
// secrets masked across output chunks, and writes (SFTP onto this machine's files; other commands
// run here by sh, with a stand-in sudo). A TCP relay in front of the server can reset the link.
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { SFTPWrapper, Server, ServerChannel, utils } from "ssh2";
import { isUpchainError } from "../../../providers/errors";
import { ReconnectingHost } from "../../../providers/transport/reconnectingHost";
import { connectSsh } from "../../../providers/transport/ssh";
import { Connection, RemoteHost } from "../../../providers/transport/remoteHost";

const passphrase = "open sesame, slowly";
const password = "hunter2-secret-pw";
/** A password that is also base64 text: "c2VjcmV0" is how base64 writes "secret". */
const base64Password = "c2VjcmV0";

/** What each command the fake server knows does on its channel. */
const commands: Record<string, (ch: ServerChannel) => void> = {
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
  const allowed = utils.parseKey(client.pub) as ReturnType<typeof utils.parseKey> & {
    getPublicSSH(): Buffer;
    verify(d: Buffer, s: Buffer, h?: string): boolean;
  };

  let server: Server;
  let relay: net.Server;
  const relayed: net.Socket[] = [];
  const serverSide: { end(): unknown }[] = [];
  let tcpConnections = 0;
  let port = 0;
  const hosts: RemoteHost[] = [];
  /** What the SFTP side was asked to do: "open <path> <flags> <mode>", "remove <path>". */
  const sftpLog: string[] = [];
  /** Every command line the server received (what its process list would show). */
  const received: string[] = [];
  const fault = { uploadFails: false, sudoFails: false };
  // sudo -n -- CMD... runs CMD, or refuses as sudo does without a password rule
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, "sudo"),
    `#!/bin/sh\nif [ -e ${path.join(dir, "sudo-fails")} ]; then echo "sudo: a password is required" >&2; exit 1; fi\nwhile [ "$1" != -- ]; do shift; done; shift; exec "$@"\n`,
    { mode: 0o755 },
  );

  /** Run a command on this machine, as the fake server's shell. */
  function runHere(ch: ServerChannel, command: string): void {
    fs.rmSync(path.join(dir, "sudo-fails"), { force: true });
    if (fault.sudoFails) fs.writeFileSync(path.join(dir, "sudo-fails"), "");
    const p = spawn("/bin/sh", ["-c", command], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    p.stdout.pipe(ch, { end: false });
    p.stderr.pipe(ch.stderr, { end: false });
    // a command that exits without reading its input (sudo refusing) closes the pipe, as on a real host
    p.stdin.on("error", () => undefined);
    ch.pipe(p.stdin);
    p.on("close", (code) => {
      ch.exit(code ?? 1);
      ch.end();
    });
  }

  /** SFTP onto this machine's files: just what uploads and removals use. */
  function serveSftp(sftp: SFTPWrapper): void {
    const { STATUS_CODE, flagsToString } = utils.sftp;
    const fds = new Map<number, number>();
    let next = 0;
    const failWith = (reqid: number, e: unknown) => sftp.status(reqid, STATUS_CODE.FAILURE, (e as Error).message);
    sftp.on("OPEN", (reqid: number, filename: string, flags: number, attrs: { mode?: number }) => {
      sftpLog.push(`open ${filename} ${flagsToString(flags)} ${(attrs.mode ?? 0).toString(8)}`);
      try {
        const fd = fs.openSync(filename, flagsToString(flags) ?? "r", attrs.mode);
        const handle = Buffer.alloc(4);
        handle.writeUInt32BE(next);
        fds.set(next++, fd);
        sftp.handle(reqid, handle);
      } catch (e) {
        failWith(reqid, e);
      }
    });
    sftp.on("WRITE", (reqid: number, handle: Buffer, offset: number, data: Buffer) => {
      const fd = fds.get(handle.readUInt32BE(0))!;
      fs.writeSync(fd, fault.uploadFails ? data.subarray(0, 3) : data, 0, fault.uploadFails ? 3 : data.length, offset);
      if (fault.uploadFails) return sftp.status(reqid, STATUS_CODE.FAILURE, "No space left on device");
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on("CLOSE", (reqid: number, handle: Buffer) => {
      const n = handle.readUInt32BE(0);
      if (fds.has(n)) fs.closeSync(fds.get(n)!);
      fds.delete(n);
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on("REMOVE", (reqid: number, filename: string) => {
      sftpLog.push(`remove ${filename}`);
      try {
        fs.unlinkSync(filename);
        sftp.status(reqid, STATUS_CODE.OK);
      } catch (e) {
        failWith(reqid, e);
      }
    });
  }

  before(async () => {
    server = new Server({ hostKeys: [hostEd.priv, hostRsa.priv] }, (c) => {
      tcpConnections++;
      serverSide.push(c);
      c.on("error", () => undefined);
      c.on("authentication", (ctx) => {
        if (ctx.method === "password" && (ctx.password === password || ctx.password === base64Password)) return ctx.accept();
        if (ctx.method === "publickey" && ctx.key.data.equals(allowed.getPublicSSH())) {
          if (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.accept();
        }
        ctx.reject(["publickey", "password"]);
      });
      c.on("ready", () => {
        c.on("session", (accept) => {
          const session = accept();
          session.on("exec", (acceptExec, _reject, info) => {
            const ch = acceptExec();
            received.push(info.command);
            const known = commands[info.command];
            if (known) known(ch);
            else runHere(ch, info.command);
          });
          session.on("sftp", (acceptSftp) => serveSftp(acceptSftp()));
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
    fault.uploadFails = fault.sudoFails = false;
    sftpLog.length = 0;
    received.length = 0;
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
    await assert.rejects(
      connect({ privateKey: client.priv, privateKeyPassphrase: "wrong" }),
      (e: unknown) =>
        isUpchainError(e, "INVALID_INPUT") &&
        (e as { path: string[] }).path.join(".") === "connection.privateKeyPassphrase" &&
        !(e as Error).message.includes("wrong"),
    );
    assert.strictEqual(tcpConnections, before);
  });

  it("a host pinned by its RSA key is asked for that key, though it also has an ed25519 one", async () => {
    const h = await connect({ password, hostKey: hostRsa.pub });
    assert.strictEqual((await h.exec("ok")).code, 0);
  });

  it("a connection refused keeps ssh2's error as its cause, a masked copy with its code (ECONNREFUSED)", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = (await connectSsh({ host: "127.0.0.1", port: closed, hostKey: hostEd.pub, password }, { readyTimeoutMs: 5000 }).catch(
      (x: unknown) => x,
    )) as Error;
    assert.ok(isUpchainError(e, "CONNECTION_FAILED"), String(e));
    assert.strictEqual((e.cause as NodeJS.ErrnoException).code, "ECONNREFUSED");
    assert.match((e.cause as Error).message, /ECONNREFUSED/);
  });

  it("a host offering another key than the pinned one is refused, naming the field the user pinned it in", async () => {
    const other = keygen("other_ed25519", ["-t", "ed25519", "-N", ""]);
    const refused = (field: RegExp) => (e: unknown) => isUpchainError(e, "HOST_KEY_MISMATCH") && field.test((e as Error).message);
    await assert.rejects(
      connectSsh({ host: "127.0.0.1", port, hostKey: other.pub, password }, { readyTimeoutMs: 5000, hostKeyField: "upchain:hosts[1].hostKey" }),
      refused(/is pinned in upchain:hosts\[1\]\.hostKey\. /),
    );
    // a program that names no field: the argument's own name
    await assert.rejects(
      connectSsh({ host: "127.0.0.1", port, hostKey: other.pub, password }, { readyTimeoutMs: 5000 }),
      refused(/is pinned in connection\.hostKey\. /),
    );
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
    await assert.rejects(
      h.exec("cut"),
      (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /before it reported an exit status/.test((e as Error).message),
    );
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
    fs.writeFileSync(path.join(dir, "data"), "secret\n");
    assert.strictEqual((await h.readFile(path.join(dir, "data"))).toString(), "secret\n");
  });

  describe("writes", () => {
    let files: string;
    beforeEach(() => {
      files = fs.mkdtempSync(path.join(dir, "files-"));
      fs.writeFileSync(path.join(files, "app.conf"), "old\n", { mode: 0o644 });
    });
    const target = () => path.join(files, "app.conf");
    /** Temp files of writes left beside the target or staged in /tmp. */
    const leftovers = () => [
      ...fs.readdirSync(files).filter((n) => n !== "app.conf"),
      ...sftpLog
        .filter((l) => l.startsWith("open /tmp/"))
        .map((l) => l.split(" ")[1])
        .filter((f) => fs.existsSync(f)),
    ];

    // files up to 256 KiB go in one exec, their content on standard input; larger ones over SFTP
    const large = (text: string) => text.repeat(Math.ceil((300 * 1024) / text.length));

    it("a small file (a journal) is written in one round trip: no SFTP, beside the target, renamed over it, nothing left", async () => {
      for (const user of ["root", "deploy"]) {
        const h = await connect({ user, password });
        await h.writeFile(target(), `new from ${user}\n`, 0o640);
        assert.strictEqual(fs.readFileSync(target(), "utf8"), `new from ${user}\n`);
        assert.strictEqual(fs.statSync(target()).mode & 0o777, 0o640);
        assert.deepStrictEqual(sftpLog, [], `${user}: no SFTP operation`);
        assert.deepStrictEqual(leftovers(), [], user);
      }
    });

    it("a small binary file arrives byte for byte", async () => {
      const h = await connect({ password });
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await h.writeFile(target(), bytes);
      assert.deepStrictEqual(fs.readFileSync(target()), bytes);
    });

    it("when sudo refuses a small write, the target is untouched and nothing is left", async () => {
      const h = await connect({ user: "deploy", password });
      fault.sudoFails = true;
      await assert.rejects(
        h.writeFile(target(), "x\n"),
        (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && /password is required/.test((e as Error).message),
      );
      assert.strictEqual(fs.readFileSync(target(), "utf8"), "old\n");
      assert.deepStrictEqual(leftovers(), []);
    });

    it("a root login uploads a large file beside the target (new, private, never through an existing file) and renames it over the target", async () => {
      const h = await connect({ password });
      await h.writeFile(target(), large("new\n"), 0o640);
      assert.strictEqual(fs.readFileSync(target(), "utf8"), large("new\n"));
      assert.strictEqual(fs.statSync(target()).mode & 0o777, 0o640);
      assert.strictEqual(sftpLog.length, 1);
      assert.match(sftpLog[0], new RegExp(`^open ${files}/\\.app\\.conf\\.upchain-[0-9a-f]{16} wx 600$`));
      assert.deepStrictEqual(leftovers(), []);
    });

    it("a non-root login stages a large file in /tmp, and root finishes the write beside the target, leaving neither file", async () => {
      const h = await connect({ user: "deploy", password });
      await h.writeFile(target(), large("from deploy\n"));
      assert.strictEqual(fs.readFileSync(target(), "utf8"), large("from deploy\n"));
      assert.match(sftpLog[0], /^open \/tmp\/upchain-[0-9a-f]{16} wx 600$/);
      assert.deepStrictEqual(leftovers(), []);
    });

    it("when sudo refuses a large write, the staged upload is removed and the target is untouched", async () => {
      const h = await connect({ user: "deploy", password });
      fault.sudoFails = true;
      await assert.rejects(
        h.writeFile(target(), large("x\n")),
        (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && /password is required/.test((e as Error).message),
      );
      assert.strictEqual(fs.readFileSync(target(), "utf8"), "old\n");
      assert.ok(
        sftpLog.some((l) => /^remove \/tmp\/upchain-/.test(l)),
        "the staged file was removed",
      );
      assert.deepStrictEqual(leftovers(), []);
    });

    it("a large upload cut short is removed, and the target is untouched", async () => {
      for (const user of ["root", "deploy"]) {
        const h = await connect({ user, password });
        fault.uploadFails = true;
        await assert.rejects(
          h.writeFile(target(), large("a longer content\n")),
          (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && /cannot upload.*No space left/.test((e as Error).message),
        );
        assert.strictEqual(fs.readFileSync(target(), "utf8"), "old\n", user);
        assert.deepStrictEqual(leftovers(), [], user);
      }
    });

    it("the command line of every atomic write carries no hash of its content (a secrets file's sha256 would let a local user test guesses)", async () => {
      const { createHash } = require("crypto") as typeof import("crypto");
      const env = "export UPCHAIN_SECRET_PW='correct horse'\n";
      const contents = [env, large(env)];
      for (const user of ["root", "deploy"]) {
        const h = await connect({ user, password });
        for (const c of contents) {
          received.length = 0;
          await h.writeFile(target(), c, 0o600);
          assert.strictEqual(fs.readFileSync(target(), "utf8"), c, `${user}: the write went through`);
          assert.ok(received.length > 0, "the write ran a command");
          const buf = Buffer.from(c);
          const hashes = ["sha256", "sha1", "md5", "sha512"].flatMap((a) => [
            createHash(a).update(buf).digest("hex"),
            createHash(a).update(buf).digest("base64"),
          ]);
          for (const line of received) {
            for (const hash of hashes)
              assert.ok(!line.toLowerCase().includes(hash.toLowerCase()), `${user}, ${buf.length} bytes: a hash of the content is on the command line`);
            assert.doesNotMatch(line, /[0-9a-f]{64}/, `${user}, ${buf.length} bytes: a 64-hex-digit value is on the command line`);
          }
        }
      }
    });

    it("a write whose content is altered on the way is refused, and the message names no hash", async () => {
      const h = await connect({ user: "deploy", password });
      // the staged upload is swapped between the upload and root's check
      fault.uploadFails = false;
      const original = h.exec.bind(h);
      h.exec = async (command, o) => {
        const staged = sftpLog.map((l) => l.match(/^open (\/tmp\/upchain-[0-9a-f]+) /)?.[1]).find(Boolean);
        if (staged && fs.existsSync(staged)) fs.writeFileSync(staged, "tampered\n");
        return original(command, o);
      };
      await assert.rejects(
        h.writeFile(target(), large("x\n")),
        (e: unknown) =>
          isUpchainError(e, "REMOTE_IO_FAILED") && /not the content sent/.test((e as Error).message) && !/[0-9a-f]{64}/.test((e as Error).message),
      );
      assert.strictEqual(fs.readFileSync(target(), "utf8"), "old\n");
      assert.deepStrictEqual(leftovers(), []);
    });
  });
});
