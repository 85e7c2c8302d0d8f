// RemoteHost over SSH with ssh2: pinned host keys (which also choose the host key algorithm asked
// for), keys checked before connecting, keepalive, exit status from the channel close, atomic checked
// writes (atomicWrite.ts), sudo for non-root logins, secrets masked in all output, and a connection
// that fails operations cleanly when it drops (connectionWatch.ts).
import { createHash, randomBytes } from "crypto";
import type { Duplex } from "stream";
import { StringDecoder } from "string_decoder";
import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { SecretMasker, UpchainError, maskSecrets, maskedError } from "../errors";
import { quote } from "../quote";
import { atomicReplaceInput, atomicReplaceScript, tempPathBeside } from "./atomicWrite";
import { ConnectionWatch } from "./connectionWatch";
import { handshakeWithRetry } from "./handshakeGate";
import { fingerprintOf, hostKeyAlgorithmsFor, parseHostKeyPin } from "./hostKey";
import { privateKeyProblem } from "./privateKey";
import { Connection, ExecOptions, ExecResult, RemoteHost, StreamTarget, connectionLabel, streamTargetLabel } from "./remoteHost";

/** Files up to this size are written in one exec (content on stdin) rather than over SFTP. */
const SMALL_FILE = 256 * 1024;

export interface SshOptions {
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Where the user pinned the host key (a stack key, a component argument): a mismatch names it. */
  hostKeyField?: string;
  /** Tries of a handshake that times out (handshakeGate.ts); 1 where the caller has its own deadline and retries (a reconnect). */
  handshakeTries?: number;
}

/** Everything of a connection that must never be shown. */
export function secretsOf(conn: Pick<Connection, "privateKey" | "password" | "privateKeyPassphrase">): string[] {
  return [conn.privateKey, conn.password, conn.privateKeyPassphrase].filter((s): s is string => !!s);
}

/** The line the server receives for `command`: as written, or through sudo for a login other than root (tests record it as sent). */
export function lineSent(command: string, options: Pick<ExecOptions, "sudo">, isRoot: boolean): string {
  return options.sudo && !isRoot ? `sudo -n -- sh -c ${quote(command)}` : command;
}

export async function connectSsh(conn: Connection, options: SshOptions = {}): Promise<RemoteHost> {
  // ssh2 is loaded here, not at module load, so Pulumi's closure serialization never sees it.
  const { Client: SshClient } = require("ssh2") as typeof import("ssh2");
  const label = connectionLabel(conn);
  const pin = parseHostKeyPin(conn.hostKey, ["connection", "hostKey"]);
  if (!conn.privateKey && !conn.password) {
    throw new UpchainError("INVALID_INPUT", `${label}: give connection.privateKey or connection.password`, ["connection"]);
  }
  if (conn.privateKey) {
    const problem = privateKeyProblem(conn.privateKey, conn.privateKeyPassphrase);
    if (problem) throw new UpchainError("INVALID_INPUT", `${label}: connection.${problem.field} ${problem.message}`, ["connection", problem.field]);
  }
  const secrets = secretsOf(conn);
  const serverHostKey = hostKeyAlgorithmsFor(pin);
  let offered: string | undefined;
  // one client per try: a client whose handshake timed out is ended, and the next try starts clean
  const attempt = async (): Promise<{ client: Client; watch: ConnectionWatch }> => {
    const client = new SshClient();
    const watch = new ConnectionWatch(client, label, secrets);
    const ready = watch.whenReady();
    try {
      client.connect({
        host: conn.host,
        port: conn.port ?? 22,
        username: conn.user ?? "root",
        privateKey: conn.privateKey,
        passphrase: conn.privateKeyPassphrase,
        password: conn.password,
        readyTimeout: options.readyTimeoutMs ?? 20_000,
        keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 3,
        ...(serverHostKey ? { algorithms: { serverHostKey } } : {}),
        hostVerifier: (key: Buffer) => {
          offered = fingerprintOf(key);
          return offered === pin.fingerprint;
        },
      });
      await ready;
      return { client, watch };
    } catch (e) {
      watch.closing();
      client.end();
      throw e;
    }
  };
  try {
    // a bounded number of handshakes at a time (handshakeGate.ts), each try's ready timeout starting
    // with its turn; a try that timed out is made again (a handshake changes nothing on the host)
    const { client, watch } = await handshakeWithRetry(attempt, { tries: options.handshakeTries });
    return new SshHost(client, conn, label, watch);
  } catch (e) {
    const err = e as Error & { level?: string };
    if (offered !== undefined && offered !== pin.fingerprint) {
      throw new UpchainError(
        "HOST_KEY_MISMATCH",
        `${label} offered host key ${offered}, but ${pin.fingerprint} is pinned in ${options.hostKeyField ?? "connection.hostKey"}. ` +
          `The connection was refused. If the server was rebuilt on purpose, pin its new key; ` +
          `otherwise something is intercepting the connection.`,
        ["connection", "hostKey"],
      );
    }
    // a refused login is the credential's problem: named by its field, which the caller words as the user wrote it
    const credential = conn.privateKey ? "privateKey" : "password";
    const refused = err.level === "client-authentication";
    const hint = refused
      ? `authentication failed for user ${conn.user ?? "root"}: the host refused the ${conn.privateKey ? "private key" : "password"} given; give the one it accepts for ${conn.user ?? "root"}`
      : `could not connect: ${maskSecrets(err.message, secrets)}`;
    // the cause is ssh2's error masked as the message is (util.inspect prints a cause whole)
    throw new UpchainError("CONNECTION_FAILED", `${label}: ${hint}`, refused ? ["connection", credential] : ["connection"], {
      cause: maskedError(err, (t) => maskSecrets(t, secrets)),
    });
  }
}

/** Collects one output stream: whole characters only (a chunk may end inside one), masked as it goes. */
class OutputStream {
  private readonly decoder = new StringDecoder("utf8");
  private readonly masker: SecretMasker;
  raw = "";

  constructor(
    secrets: readonly string[],
    private readonly onText?: (text: string) => void,
  ) {
    this.masker = new SecretMasker(secrets);
  }

  push(data: Buffer): void {
    this.take(this.decoder.write(data));
  }

  end(): void {
    this.take(this.decoder.end());
    const rest = this.onText ? this.masker.flush() : "";
    if (rest) this.onText?.(rest);
  }

  private take(text: string): void {
    if (!text) return;
    this.raw += text;
    if (!this.onText) return; // nobody watches it live: the whole output is masked at the end
    const safe = this.masker.push(text);
    if (safe) this.onText(safe);
  }
}

class SshHost implements RemoteHost {
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly secrets: string[];

  constructor(
    private readonly client: Client,
    private readonly conn: Connection,
    readonly label: string,
    private readonly watch: ConnectionWatch,
  ) {
    this.secrets = secretsOf(conn);
  }

  get lost(): boolean {
    return this.watch.isLost;
  }

  private get isRoot(): boolean {
    return (this.conn.user ?? "root") === "root";
  }

  private mask(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.run(command, options, true);
  }

  /**
   * Run a command; `masked` output is safe to show. Data read through a command (a file as base64)
   * is not masked: a short password that happens to occur in the data would corrupt it.
   */
  private run(command: string, options: ExecOptions, masked: boolean): Promise<ExecResult> {
    const line = lineSent(command, options, this.isRoot);
    const show = masked ? (t: string) => this.mask(t) : (t: string) => t;
    return this.watch.guard<ExecResult>("run a command", (resolve, reject) => {
      this.client.exec(line, (err: Error | undefined, stream: ClientChannel) => {
        if (err) {
          reject(
            this.watch.isLost
              ? this.watch.lostError("run a command")
              : new UpchainError("CONNECTION_FAILED", `${this.label}: cannot start a command: ${this.mask(err.message)}`, [], {
                  cause: maskedError(err, (t) => this.mask(t)),
                }),
          );
          return;
        }
        const stdout = new OutputStream(this.secrets, options.onOutput && ((t) => options.onOutput!(t, "stdout")));
        const stderr = new OutputStream(this.secrets, options.onOutput && ((t) => options.onOutput!(t, "stderr")));
        let exited = false;
        stream.on("exit", () => (exited = true));
        // a channel error is followed by its close, which reports it
        stream.on("error", () => undefined);
        stream.stderr.on("error", () => undefined);
        stream.on("data", (d: Buffer) => stdout.push(d));
        stream.stderr.on("data", (d: Buffer) => stderr.push(d));
        // The exit status arrives with the channel's close, not with the end of its output.
        stream.on("close", (code: number | null | undefined, signal: string | null | undefined) => {
          stdout.end();
          stderr.end();
          if (!exited && code === undefined && signal === undefined) {
            // sshd always reports how a command ended; a channel closed without it was cut off
            reject(
              this.watch.isLost
                ? this.watch.lostError("run a command")
                : new UpchainError(
                    "CONNECTION_FAILED",
                    `${this.label}: the command's channel closed before it reported an exit status; the command may or may not have finished`,
                    ["connection"],
                  ),
            );
            return;
          }
          // masked as a whole, so a secret split between two chunks is caught as well
          resolve({ code: code ?? null, signal: signal ?? null, stdout: show(stdout.raw), stderr: this.mask(stderr.raw) });
        });
        stream.end(options.stdin ?? undefined);
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    if (this.watch.isLost) return Promise.reject(this.watch.lostError("open SFTP"));
    this.sftpSession ??= this.watch.guard<SFTPWrapper>("open SFTP", (resolve, reject) =>
      this.client.sftp((err: Error | undefined, s: SFTPWrapper) => {
        if (err) return reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: SFTP unavailable: ${this.mask(err.message)}`));
        // a session that fails later is dropped, and the next operation opens a new one
        s.on("error", () => (this.sftpSession = undefined));
        s.on("close", () => (this.sftpSession = undefined));
        resolve(s);
      }),
    );
    const session = this.sftpSession;
    session.catch(() => {
      if (this.sftpSession === session) this.sftpSession = undefined;
    });
    return session;
  }

  async readFile(path: string): Promise<Buffer> {
    if (!this.isRoot) {
      const r = await this.run(`base64 < ${quote(path)}`, { sudo: true }, false);
      if (r.code !== 0) throw new UpchainError("REMOTE_IO_FAILED", `${this.label}: cannot read ${path}: ${r.stderr.trim()}`);
      return Buffer.from(r.stdout, "base64");
    }
    const sftp = await this.sftp();
    return this.watch.guard<Buffer>(`read ${path}`, (resolve, reject) =>
      sftp.readFile(path, (err: Error | undefined, data: Buffer) =>
        err ? reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: cannot read ${path}: ${this.mask(err.message)}`)) : resolve(data),
      ),
    );
  }

  /** Upload, check its sha256 remotely, then rename it over the target (atomicWrite.ts). */
  async writeFile(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const sha256 = createHash("sha256").update(buf).digest("hex");
    const tmp = tempPathBeside(path, randomBytes(8).toString("hex"));
    if (buf.length <= SMALL_FILE) {
      // a journal, a step's env file: the content rides on the script's standard input, one round
      // trip instead of SFTP's open, write, close and then the script
      const r = await this.exec(atomicReplaceScript({ target: path, tmp, mode, fromStdin: true }), { sudo: true, stdin: atomicReplaceInput(sha256, buf) });
      if (r.code !== 0)
        throw new UpchainError(
          "REMOTE_IO_FAILED",
          `${this.label}: writing ${path} failed (nothing was changed): ${r.stderr.trim() || `exit status ${r.code}`}`,
        );
      return;
    }
    // a login user other than root cannot write the target's directory: it stages in /tmp, and root
    // copies the staged file into the directory
    const stage = this.isRoot ? undefined : `/tmp/upchain-${randomBytes(8).toString("hex")}`;
    const upload = stage ?? tmp;
    const sftp = await this.sftp();
    try {
      await this.watch.guard<void>(`upload ${path}`, (resolve, reject) =>
        // private until it is in place, and never through a file or link someone put there first
        sftp.writeFile(upload, buf, { mode: 0o600, flag: "wx" }, (err: Error | undefined | null) =>
          err ? reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: cannot upload ${path}: ${this.mask(err.message)}`)) : resolve(),
        ),
      );
      const r = await this.exec(atomicReplaceScript({ target: path, tmp, stage, mode }), { sudo: true, stdin: atomicReplaceInput(sha256) });
      if (r.code !== 0) {
        throw new UpchainError(
          "REMOTE_IO_FAILED",
          `${this.label}: writing ${path} failed (nothing was changed): ${r.stderr.trim() || `exit status ${r.code}`}`,
        );
      }
    } catch (e) {
      // the script removes both files itself; this is for failures before it ran (an upload cut
      // short, sudo refusing), and it must not hide the error that got us here
      await this.unlink(sftp, upload);
      throw e;
    }
  }

  /** Best effort: a removal that fails (or a connection that is gone) must not hide the real error. */
  private unlink(sftp: SFTPWrapper, path: string): Promise<void> {
    return this.watch.guard<void>(`remove ${path}`, (resolve) => sftp.unlink(path, () => resolve())).catch(() => undefined);
  }

  /**
   * A channel to a unix socket (OpenSSH's direct-streamlocal) or a TCP address (direct-tcpip) on the
   * host. sshd opens it as the login user; it refuses with a bare "open failed" whether the socket is
   * missing or not the user's to open, so callers that know what the socket is explain the refusal.
   */
  openStream(target: StreamTarget): Promise<Duplex> {
    const where = streamTargetLabel(target);
    return this.watch.guard<Duplex>(`open a stream to ${where}`, (resolve, reject) => {
      const opened = (err: Error | undefined, channel: ClientChannel) => {
        if (err) {
          const user = this.conn.user ?? "root";
          reject(
            this.watch.isLost
              ? this.watch.lostError(`open a stream to ${where}`)
              : new UpchainError("CONNECTION_FAILED", `${this.label}: sshd did not open ${where} for ${user}: ${this.mask(err.message)}`, ["connection"]),
          );
          return;
        }
        resolve(channel);
      };
      if ("socketPath" in target) this.client.openssh_forwardOutStreamLocal(target.socketPath, opened);
      // the originator address is only informative for sshd; nothing listens on it
      else this.client.forwardOut("127.0.0.1", 0, target.host, target.port, opened);
    });
  }

  async close(): Promise<void> {
    this.watch.closing();
    this.client.end();
  }
}

/** Connect, run `fn`, and always close the connection. */
export async function withSsh<T>(conn: Connection, fn: (host: RemoteHost) => Promise<T>, options?: SshOptions): Promise<T> {
  const host = await connectSsh(conn, options);
  try {
    return await fn(host);
  } finally {
    await host.close();
  }
}
