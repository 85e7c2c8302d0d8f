// A LocalHost that misbehaves on cue, for unit tests of what the engine does when the transport or the
// host hiccups: commands matching a pattern fail (a non-zero exit with a message, or a thrown error as
// a dropped channel gives) a given number of times.
import { ExecOptions, ExecResult, ReconnectOptions } from "../../providers/transport/remoteHost";
import { LocalHost } from "./localHost";

export interface Fault {
  /** Which commands (or, for writes, which paths) it hits. */
  match: RegExp;
  /** How many times it strikes before it stops. */
  times: number;
  /** "exit": the command exits 1 with `message` on stderr without running; "throw": the call throws `message`. */
  mode: "exit" | "throw";
  message: string;
  on?: "exec" | "write";
}

export class FaultyHost extends LocalHost {
  readonly faults: Fault[] = [];
  struck = 0;
  reconnects = 0;

  private strike(kind: "exec" | "write", text: string): Fault | undefined {
    const f = this.faults.find((f) => (f.on ?? "exec") === kind && f.times > 0 && f.match.test(text));
    if (f) {
      f.times--;
      this.struck++;
    }
    return f;
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const f = this.strike("exec", command);
    if (f?.mode === "throw") throw new Error(f.message);
    if (f) return { code: 1, signal: null, stdout: "", stderr: f.message };
    return super.exec(command, options);
  }

  async writeFile(file: string, data: Buffer | string, mode?: number): Promise<void> {
    const f = this.strike("write", file);
    if (f) throw new Error(f.message);
    return super.writeFile(file, data, mode);
  }

  async reconnect(_o: ReconnectOptions): Promise<void> {
    this.reconnects++;
  }
}
