// One HAProxy runtime API command per connection, over a stream the host tunnels to the admin socket
// (RemoteHost.openStream): write the line, read until HAProxy closes the connection, which it does
// after the answer in its default, non-interactive mode. A connection per command keeps a half-read
// answer from ever being taken for the next one's.
import type { Duplex } from "stream";
import { UpchainError } from "../errors";
import { quote } from "../quote";
import { RemoteHost, StreamTarget, streamTargetLabel } from "../transport/remoteHost";

const maxAnswerBytes = 8 * 1024 * 1024;

export class RuntimeApi {
  readonly label: string;

  constructor(
    private readonly host: RemoteHost,
    private readonly target: StreamTarget,
    private readonly timeoutMs = 15_000,
  ) {
    this.label = `HAProxy at ${host.label} ${streamTargetLabel(target)}`;
  }

  /** Send one command; the answer as HAProxy wrote it (its closing empty line included). */
  async send(command: string): Promise<string> {
    // callers build commands from checked names; this is the last line of defence: HAProxy would run
    // whatever follows a `;` or a newline as another command
    if (/[;\n\r\\\0]/.test(command))
      throw new UpchainError("INVALID_INPUT", `${this.label}: refusing to send a command holding ; \\ or a line break: ${JSON.stringify(command)}`);
    const stream = await this.open();
    return new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (err: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stream.destroy();
        if (err) return reject(err);
        const text = Buffer.concat(chunks).toString("utf8");
        // HAProxy ends every answer with an empty line; without it the answer was cut short
        if (!text.endsWith("\n"))
          return reject(new UpchainError("REMOTE_IO_FAILED", `${this.label}: the answer to "${command}" was cut short (${size} bytes, no closing line)`));
        resolve(text);
      };
      const timer = setTimeout(
        () => finish(new UpchainError("REMOTE_IO_FAILED", `${this.label}: no complete answer to "${command}" within ${Math.round(this.timeoutMs / 1000)}s`)),
        this.timeoutMs,
      );
      stream.on("data", (d: Buffer) => {
        size += d.length;
        if (size > maxAnswerBytes)
          return finish(new UpchainError("REMOTE_IO_FAILED", `${this.label}: the answer to "${command}" is larger than ${maxAnswerBytes} bytes`));
        chunks.push(d);
      });
      stream.on("error", (e: Error) =>
        finish(new UpchainError("REMOTE_IO_FAILED", `${this.label}: the stream failed during "${command}": ${e.message}`, [], { cause: e })),
      );
      // HAProxy closes its side after the answer; the end of our reading is the end of the answer
      stream.on("end", () => finish(undefined));
      stream.on("close", () => finish(undefined));
      stream.write(command + "\n");
    });
  }

  private async open(): Promise<Duplex> {
    if (!this.host.openStream) throw new UpchainError("CONNECTION_FAILED", `${this.label}: this connection cannot tunnel a stream to the host`);
    try {
      return await this.host.openStream(this.target);
    } catch (e) {
      if ("socketPath" in this.target && !this.host.lost) throw await this.explainRefusal(this.target.socketPath, e as Error);
      throw e;
    }
  }

  /**
   * sshd refuses a unix socket with a bare "open failed", whether it is missing or not this login's
   * to open: look at the socket as the same login (no sudo) to say which, and what to do.
   */
  private async explainRefusal(socketPath: string, cause: Error): Promise<Error> {
    const p = quote(socketPath);
    const probe = `if [ ! -e ${p} ]; then echo missing; elif [ ! -S ${p} ]; then echo not-a-socket; elif [ ! -w ${p} ] || [ ! -r ${p} ]; then echo denied; else echo open; fi; id -un; ls -ld ${p} 2>/dev/null || true`;
    const r = await this.host.exec(probe).catch(() => undefined);
    const [verdict, user, listing] = (r?.stdout ?? "").split("\n");
    const how =
      "The login must be root or in the group that owns the socket, and HAProxy must bind it with `stats socket <path> mode 660 level admin group <group>`.";
    switch (verdict) {
      case "missing":
        return new UpchainError(
          "CONNECTION_FAILED",
          `${this.label}: there is no ${socketPath} on the host, or ${user} cannot see it: is HAProxy running with \`stats socket ${socketPath} level admin\`? (socket, or address for a TCP runtime API)`,
          ["socket"],
          { cause },
        );
      case "not-a-socket":
        return new UpchainError("CONNECTION_FAILED", `${this.label}: ${socketPath} is not a socket (${listing})`, ["socket"], { cause });
      case "denied":
        return new UpchainError(
          "CONNECTION_FAILED",
          `${this.label}: ${user} may not open HAProxy's admin socket (${listing}). ${how}`,
          ["connection", "user"],
          { cause },
        );
      default:
        return new UpchainError(
          "CONNECTION_FAILED",
          `${cause.message}; ${socketPath} looks open to ${user || "the login"}, so sshd may forbid socket forwarding (AllowStreamLocalForwarding, DisableForwarding)`,
          ["connection"],
          { cause },
        );
    }
  }
}
