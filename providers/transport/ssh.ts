// RemoteHost over SSH with ssh2: pinned host keys, keepalive, exit status from the channel close,
// SFTP uploads checked with sha256 on the remote side, and sudo for non-root logins.
import { createHash, randomBytes } from "crypto";
import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { UpchainError, maskSecrets } from "../errors";
import { quote } from "../quote";
import { fingerprintOf, parseHostKeyPin } from "./hostKey";
import { Connection, ExecOptions, ExecResult, RemoteHost, connectionLabel } from "./remoteHost";

export interface SshOptions {
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

export async function connectSsh(conn: Connection, options: SshOptions = {}): Promise<RemoteHost> {
  // ssh2 is loaded here, not at module load, so Pulumi's closure serialization never sees it.
  const { Client: SshClient } = require("ssh2") as typeof import("ssh2");
  const label = connectionLabel(conn);
  const pin = parseHostKeyPin(conn.hostKey, ["connection", "hostKey"]);
  if (!conn.privateKey && !conn.password) {
    throw new UpchainError("INVALID_INPUT", `${label}: give connection.privateKey or connection.password`, ["connection"]);
  }
  const client = new SshClient();
  let offered: string | undefined;
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", (err: Error & { level?: string }) => {
      if (offered !== undefined && offered !== pin.fingerprint) {
        reject(
          new UpchainError(
            "HOST_KEY_MISMATCH",
            `${label} offered host key ${offered}, but ${pin.fingerprint} is pinned in connection.hostKey. ` +
              `The connection was refused. If the server was rebuilt on purpose, pin its new key; ` +
              `otherwise something is intercepting the connection.`,
            ["connection", "hostKey"],
          ),
        );
        return;
      }
      const secrets = [conn.privateKey, conn.password];
      const why = maskSecrets(err.message, secrets);
      const hint =
        err.level === "client-authentication"
          ? `authentication failed for user ${conn.user ?? "root"}: check connection.privateKey or connection.password`
          : `could not connect: ${why}`;
      reject(new UpchainError("CONNECTION_FAILED", `${label}: ${hint}`, ["connection"]));
    });
    client.connect({
      host: conn.host,
      port: conn.port ?? 22,
      username: conn.user ?? "root",
      privateKey: conn.privateKey,
      password: conn.password,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        offered = fingerprintOf(key);
        return offered === pin.fingerprint;
      },
    });
  });
  return new SshHost(client, conn, label);
}

class SshHost implements RemoteHost {
  private sftpSession?: Promise<SFTPWrapper>;

  constructor(
    private readonly client: Client,
    private readonly conn: Connection,
    readonly label: string,
  ) {}

  private get isRoot(): boolean {
    return (this.conn.user ?? "root") === "root";
  }

  private mask(text: string): string {
    return maskSecrets(text, [this.conn.privateKey, this.conn.password]);
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const line = options.sudo && !this.isRoot ? `sudo -n -- sh -c ${quote(command)}` : command;
    return new Promise((resolve, reject) => {
      this.client.exec(line, (err: Error | undefined, stream: ClientChannel) => {
        if (err) return reject(new UpchainError("CONNECTION_FAILED", `${this.label}: ${this.mask(err.message)}`));
        let stdout = "";
        let stderr = "";
        stream.on("data", (d: Buffer) => {
          const s = this.mask(d.toString("utf8"));
          stdout += s;
          options.onOutput?.(s, "stdout");
        });
        stream.stderr.on("data", (d: Buffer) => {
          const s = this.mask(d.toString("utf8"));
          stderr += s;
          options.onOutput?.(s, "stderr");
        });
        // The exit status arrives with the channel's close, not with the end of its output.
        stream.on("close", (code: number | null | undefined, signal: string | null | undefined) => {
          resolve({ code: code ?? null, signal: signal ?? null, stdout, stderr });
        });
        stream.end(options.stdin ?? undefined);
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((resolve, reject) =>
      this.client.sftp((err: Error | undefined, s: SFTPWrapper) =>
        err ? reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: SFTP unavailable: ${err.message}`)) : resolve(s),
      ),
    );
    return this.sftpSession;
  }

  async readFile(path: string): Promise<Buffer> {
    if (!this.isRoot) {
      const r = await this.exec(`base64 < ${quote(path)}`, { sudo: true });
      if (r.code !== 0) throw new UpchainError("REMOTE_IO_FAILED", `${this.label}: cannot read ${path}: ${r.stderr.trim()}`);
      return Buffer.from(r.stdout, "base64");
    }
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.readFile(path, (err: Error | undefined, data: Buffer) =>
        err ? reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: cannot read ${path}: ${err.message}`)) : resolve(data),
      ),
    );
  }

  /** Upload to a temp name, check its sha256 remotely, then move it into place in one rename. */
  async writeFile(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const want = createHash("sha256").update(buf).digest("hex");
    const tmp = this.isRoot ? `${path}.upchain-${randomBytes(4).toString("hex")}` : `/tmp/upchain-${randomBytes(8).toString("hex")}`;
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(tmp, buf, { mode }, (err: Error | undefined | null) =>
        err ? reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: cannot upload ${path}: ${err.message}`)) : resolve(),
      ),
    );
    const check = await this.exec(
      `set -e; got=$(sha256sum ${quote(tmp)} | cut -d' ' -f1); ` +
        `if [ "$got" != ${quote(want)} ]; then rm -f ${quote(tmp)}; echo "sha256 $got, expected ${want}" >&2; exit 3; fi; ` +
        // a replaced file keeps its owner; a new one belongs to root, not to the login user
        `if [ -e ${quote(path)} ]; then chown --reference=${quote(path)} ${quote(tmp)}; else chown 0:0 ${quote(tmp)}; fi; ` +
        `chmod ${(mode & 0o7777).toString(8)} ${quote(tmp)}; mv -f ${quote(tmp)} ${quote(path)}`,
      { sudo: true },
    );
    if (check.code !== 0) {
      throw new UpchainError("REMOTE_IO_FAILED", `${this.label}: upload of ${path} failed its check: ${check.stderr.trim()}`);
    }
  }

  async close(): Promise<void> {
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
