// The SSH transport against a real sshd on a test host.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isUpchainError } from "../../../providers/errors";
import { connectSsh, withSsh } from "../../../providers/transport/ssh";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";

describe("ssh transport on a real host", function () {
  this.timeout(120_000);
  let h: TestHost;
  let root: RemoteHost;
  let deploy: RemoteHost;

  before(async () => {
    requireRoot();
    [h] = startHosts("sshx");
    root = await connectSsh({ host: h.host, privateKey: privateKey(h), hostKey: h.hostKey });
    deploy = await connectSsh({ host: h.host, user: "deploy", privateKey: privateKey(h), hostKey: h.hostKey });
  });
  after(async () => {
    await root?.close();
    await deploy?.close();
    stopHosts("sshx");
  });

  it("exec returns exit status, stdout and stderr as data", async () => {
    const r = await root.exec("echo out; echo err >&2; exit 7");
    assert.deepStrictEqual(r, { code: 7, signal: null, stdout: "out\n", stderr: "err\n" });
  });

  it("exec reports a command ended by a signal", async () => {
    const r = await root.exec("kill -KILL $$");
    assert.strictEqual(r.code, null);
    assert.strictEqual(r.signal, "SIGKILL");
  });

  it("exec feeds stdin", async () => {
    const r = await root.exec("tr a-z A-Z", { stdin: "hello" });
    assert.strictEqual(r.stdout, "HELLO");
  });

  it("sudo lifts a non-root login to root, and only when asked", async () => {
    assert.strictEqual((await deploy.exec("id -u")).stdout.trim(), "1000");
    assert.strictEqual((await deploy.exec("id -u", { sudo: true })).stdout.trim(), "0");
  });

  it("writeFile uploads over SFTP, checks sha256, and sets the mode; readFile reads it back", async () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    await root.writeFile("/opt/blob.bin", data, 0o600);
    assert.ok((await root.readFile("/opt/blob.bin")).equals(data));
    assert.strictEqual(onHost("sshx", "stat -c %a /opt/blob.bin").trim(), "600");
    assert.strictEqual(onHost("sshx", "ls /opt | grep -c upchain || true").trim(), "0", "no temp file is left behind");
  });

  it("a non-root login writes root-owned files through sudo", async () => {
    await deploy.writeFile("/etc/upchain-test.conf", "a=1\n");
    assert.strictEqual(onHost("sshx", "stat -c %U /etc/upchain-test.conf; cat /etc/upchain-test.conf"), "root\na=1\n");
    assert.strictEqual((await deploy.readFile("/etc/upchain-test.conf")).toString(), "a=1\n");
  });

  it("a host offering another key than the pinned one is refused before logging in", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-k-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
    const otherKey = fs.readFileSync(path.join(dir, "k.pub"), "utf8");
    const accepted = () => (onHost("sshx", "cat /var/log/sshd.log").match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    await assert.rejects(
      withSsh({ host: h.host, privateKey: privateKey(h), hostKey: otherKey }, async () => undefined),
      (e: unknown) => isUpchainError(e, "HOST_KEY_MISMATCH") && /offered host key SHA256:/.test((e as Error).message),
    );
    assert.strictEqual(accepted(), before, "no login may happen against an unpinned key");
  });

  it("a wrong private key fails authentication without echoing any key material", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-k-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
    const wrong = fs.readFileSync(path.join(dir, "k"), "utf8");
    await assert.rejects(
      withSsh({ host: h.host, privateKey: wrong, hostKey: h.hostKey }, async () => undefined),
      (e: unknown) => {
        const m = (e as Error).message;
        return isUpchainError(e, "CONNECTION_FAILED") && /authentication failed for user root/.test(m) && !m.includes(wrong.split("\n")[1]);
      },
    );
  });
});
