// The docs tell the operator to pin a server's key with the line `ssh-keyscan -t ed25519 HOST` prints.
// Here the real ssh-keyscan scans a real SSH server (ssh2, in this process, on a free loopback port:
// hence `-p PORT`, and the `[HOST]:PORT` form it prints for it), and its output, taken as it is, must
// be accepted by the stack checker and the connection check, pin the server's own key, and connect.
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Server } from "ssh2";
import { connectionSchema } from "../../../providers/connectionSchema";
import { parseHostKeyPin } from "../../../providers/transport/hostKey";
import { connectSsh } from "../../../providers/transport/ssh";
import { checkStackConfig } from "../../../stacks/config";

const repoRoot = path.resolve(__dirname, "../../../..");

describe("the docs' hostKey instruction, run as written against a real SSH server", function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-keyscan-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host")]);
  // ssh-keygen's fingerprint of the server's key is what the pin must come to
  const fingerprint = execFileSync("ssh-keygen", ["-lf", path.join(dir, "host.pub")], { encoding: "utf8" }).split(" ")[1];
  let server: Server;
  let port: number;
  let printed: string;

  before(async () => {
    server = new Server({ hostKeys: [fs.readFileSync(path.join(dir, "host"))] }, (c) => {
      c.on("error", () => undefined);
      c.on("authentication", (ctx) => (ctx.method === "password" && ctx.password === "pw-test" ? ctx.accept() : ctx.reject(["password"])));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as net.AddressInfo).port;
    // the instruction's command, with -p for the test server's port; stdout only, as `$(...)` or a pipe takes it
    // (asynchronously: the server answering it runs in this process)
    printed = await new Promise<string>((resolve, reject) =>
      execFile("ssh-keyscan", ["-t", "ed25519", "-p", String(port), "127.0.0.1"], { encoding: "utf8", timeout: 20_000 }, (e, stdout) =>
        e ? reject(e) : resolve(stdout),
      ),
    );
  });
  after(() => {
    server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the README and the stack checker's advice give the same command", () => {
    assert.match(fs.readFileSync(path.join(repoRoot, "README.md"), "utf8"), /ssh-keyscan -t ed25519 192\.0\.2\.10/);
    const missing = checkStackConfig({ servers: [{ name: "a", host: "192.0.2.10", product: "omflow", version: "1.2.0.1" }] }).issues[0];
    assert.match(missing.message, /the line `ssh-keyscan -t ed25519 HOST` prints/);
  });

  it("ssh-keyscan prints the host before the key, as the docs say", () => {
    assert.match(printed.trim(), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${port} ssh-ed25519 AAAA\\S+$`));
  });

  it("its output, as printed, is accepted as a server's hostKey by the stack checker and the connection check", () => {
    const stack = checkStackConfig({ servers: [{ name: "a", host: "127.0.0.1", port, hostKey: printed, product: "omflow", version: "1.2.0.1" }] });
    assert.deepStrictEqual(stack.issues, []);
    const conn = connectionSchema.safeParse({ host: "127.0.0.1", port, hostKey: printed, password: "pw-test" });
    assert.ok(conn.success, JSON.stringify(!conn.success && conn.error.issues));
  });

  it("it pins the server's own key, and the connection with it is made", async () => {
    assert.strictEqual(parseHostKeyPin(printed).fingerprint, fingerprint);
    const host = await connectSsh({ host: "127.0.0.1", port, user: "root", password: "pw-test", hostKey: printed });
    await host.close();
  });

  it("the same line is refused for another server: it would pin another machine's key", () => {
    const stack = checkStackConfig({ servers: [{ name: "a", host: "127.0.0.2", port, hostKey: printed, product: "omflow", version: "1.2.0.1" }] });
    assert.deepStrictEqual(
      stack.issues.map((i) => i.path.join(".")),
      ["servers.0.hostKey"],
    );
    assert.match(stack.issues[0].message, /it would pin another machine's key/);
  });
});
