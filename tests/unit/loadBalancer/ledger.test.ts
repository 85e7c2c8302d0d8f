// The pool states upchain set, noted on the balancer's machine (here: sh on this machine, with a
// temporary home): noted and read back, forgotten once ready, kept apart per runtime API, and a file
// that is not upchain's refused without printing it raw.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PoolLedger } from "../../../providers/loadBalancer/ledger";
import { isUpchainError } from "../../../providers/errors";
import { ExecOptions, ExecResult } from "../../../providers/transport/remoteHost";
import { LocalHost, tempDir } from "../../support/localHost";

/** This machine as the balancer's, its login's home a temporary directory. */
class HomeHost extends LocalHost {
  constructor(readonly home: string) {
    super();
  }
  override async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return super.exec(`HOME=${this.home}; export HOME; ${command}`, options);
  }
}

describe("the pool states upchain set, noted on the balancer's machine", () => {
  const socket = { socketPath: "/run/haproxy/admin.sock" };

  it("a state is noted and read back; ready forgets it", async () => {
    const host = new HomeHost(tempDir());
    const ledger = new PoolLedger(host, socket);
    assert.deepStrictEqual([...(await ledger.read())], [], "nothing noted yet");
    await ledger.record("traffic", "wc1", "drain");
    await ledger.record("invalidation", "wc1", "maint");
    await ledger.record("traffic", "wc1", "maint");
    assert.deepStrictEqual(
      new Map(await ledger.read()),
      new Map([
        ["invalidation/wc1", "maint"],
        ["traffic/wc1", "maint"],
      ]),
    );
    await ledger.record("traffic", "wc1", "ready");
    assert.deepStrictEqual([...(await ledger.read())], [["invalidation/wc1", "maint"]]);
  });

  it("two runtime APIs on one machine keep their notes apart", async () => {
    const host = new HomeHost(tempDir());
    await new PoolLedger(host, socket).record("traffic", "wc1", "maint");
    assert.deepStrictEqual([...(await new PoolLedger(host, { host: "127.0.0.1", port: 9999 }).read())], []);
  });

  it("a noted file that is not upchain's is refused, quoted, never printed raw", async () => {
    const home = tempDir();
    const host = new HomeHost(home);
    const ledger = new PoolLedger(host, socket);
    await ledger.record("traffic", "wc1", "drain");
    const dir = path.join(home, ".upchain/haproxy-pools", fs.readdirSync(path.join(home, ".upchain/haproxy-pools"))[0]);
    fs.writeFileSync(path.join(dir, "traffic@wc2"), "\x1b[31mready-ish");
    await assert.rejects(
      ledger.read(),
      (e: unknown) =>
        isUpchainError(e, "REMOTE_IO_FAILED") && /cannot be read: "traffic@wc2\\t\\u001b\[31mready-ish"/.test(e.message) && !e.message.includes("\x1b"),
    );
  });

  it("a name that is not HAProxy's is refused before any command is built", async () => {
    const host = new HomeHost(tempDir());
    await assert.rejects(
      new PoolLedger(host, socket).record("traffic", "wc1; rm -rf /", "maint"),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /server "wc1; rm -rf \/"/.test(e.message),
    );
    assert.deepStrictEqual(host.commands, []);
  });
});
