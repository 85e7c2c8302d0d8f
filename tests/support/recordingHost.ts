// A RemoteHost that stands for a Windows server reached over OpenSSH: it answers every command (by the
// first rule that matches, else exit 0 with no output) and records the line the server would receive,
// as the SSH transport builds it (providers/transport/ssh.ts lineSent: a login other than root, and a
// Windows login never is root, gets `sudo -n -- sh -c`), with what goes to its standard input. Its file
// reads and writes are recorded as the SSH transport carries them out for such a login (a base64 read,
// the atomic-replace script), so nothing reaches "the server" unrecorded.
import { createHash } from "crypto";
import { Duplex } from "stream";
import { atomicReplaceInput, atomicReplaceScript } from "../../providers/transport/atomicWrite";
import { ExecOptions, ExecResult, RemoteHost, StreamTarget } from "../../providers/transport/remoteHost";
import { lineSent } from "../../providers/transport/ssh";
import { quote } from "../../providers/quote";

export interface Sent {
  /** What upchain asked the transport for: a command, or a file read or write. */
  kind: "exec" | "readFile" | "writeFile";
  /** The line the server receives. */
  line: string;
  stdin?: string;
  /** Where upchain sent it from (set by the test before each call: "preview: offers"). */
  from: string;
}

export type Answer = Partial<ExecResult>;

export class RecordingHost implements RemoteHost {
  readonly label = "Administrator@win-test:22";
  readonly sent: Sent[] = [];
  /** The test sets this before each call, so each recorded line says where it came from. */
  from = "";

  constructor(
    private readonly answer: (line: string, stdin: string | undefined) => Answer = () => ({}),
    private readonly stream?: (t: StreamTarget) => Promise<Duplex>,
  ) {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const line = lineSent(command, options, false);
    this.sent.push({ kind: "exec", line, stdin: options.stdin, from: this.from });
    return { code: 0, signal: null, stdout: "", stderr: "", ...this.answer(line, options.stdin) };
  }

  async readFile(path: string): Promise<Buffer> {
    this.sent.push({ kind: "readFile", line: lineSent(`base64 < ${quote(path)}`, { sudo: true }, false), from: this.from });
    return Buffer.from("");
  }

  async writeFile(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
    const script = atomicReplaceScript({ target: path, tmp: `${path}.upchain-tmp`, mode, fromStdin: true });
    const buf = Buffer.from(data);
    this.sent.push({
      kind: "writeFile",
      line: lineSent(script, { sudo: true }, false),
      stdin: atomicReplaceInput(createHash("sha256").update(buf).digest("hex"), buf),
      from: this.from,
    });
  }

  async close(): Promise<void> {}

  openStream(t: StreamTarget): Promise<Duplex> {
    if (!this.stream) throw new Error("this recording host has no tunnel");
    return this.stream(t);
  }
}
