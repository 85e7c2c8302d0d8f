// A LocalHost whose commands run asynchronously (spawn, not spawnSync), streaming their stdout as it
// arrives like the SSH transport: the event loop keeps turning while a command runs, so timers (the
// lock's heartbeat) fire during a long wait as they do in a real run. It counts what it ran.
import { spawn } from "child_process";
import { ExecOptions, ExecResult } from "../../providers/transport/remoteHost";
import { LocalHost } from "./localHost";

export class AsyncLocalHost extends LocalHost {
  /** Commands still running. */
  running = 0;

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    if (this.closed) throw new Error("closed");
    this.commands.push(command);
    this.running++;
    try {
      return await new Promise<ExecResult>((resolve, reject) => {
        const c = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        c.stdout.setEncoding("utf8").on("data", (d: string) => {
          stdout += d;
          options?.onOutput?.(d, "stdout");
        });
        c.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        c.on("error", reject);
        c.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
        c.stdin.on("error", () => undefined); // a command that exits without reading its input
        c.stdin.end(options?.stdin ?? "");
      });
    } finally {
      this.running--;
    }
  }
}
