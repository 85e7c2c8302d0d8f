// A RemoteHost that runs on this machine (sh, files under a temp dir): the fake transport unit tests
// use behind the interface. Acceptance tests never use it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ExecOptions, ExecResult, RemoteHost } from "../../providers/transport/remoteHost";

export class LocalHost implements RemoteHost {
  readonly label = "local-fake";
  closed = false;
  commands: string[] = [];

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    if (this.closed) throw new Error("closed");
    this.commands.push(command);
    const r = spawnSync("sh", ["-c", command], { input: options?.stdin, encoding: "utf8" });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }
  async readFile(file: string): Promise<Buffer> {
    return fs.readFileSync(file);
  }
  async writeFile(file: string, data: Buffer | string, mode = 0o644): Promise<void> {
    // like the SSH transport: a temp file renamed into place
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    fs.writeFileSync(tmp, data, { mode });
    fs.renameSync(tmp, file);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export function tempDir(prefix = "upchain-unit-"): string {
  return fs.mkdtempSync(path.join(require("os").tmpdir(), prefix));
}
