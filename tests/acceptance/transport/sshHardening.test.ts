// The hardened SSH transport against a real OpenSSH server on a test host: encrypted client keys, a
// host pinned by its RSA key while it also has an ed25519 one, and writes that land by one rename
// from beside the target (also as a non-root login) and leave no temp file behind, even when they fail.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isUpchainError } from "../../../providers/errors";
import { connectSsh } from "../../../providers/transport/ssh";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const name = "tsh1";
/** A second sshd on the host that offers both its RSA and its ed25519 key (the harness's offers only ed25519). */
const bothKeysPort = 2222;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
/** Temp files of a write (`.<name>.upchain-<hex>` beside the target, `upchain-<hex>` staged in /tmp) left in `dir`. */
const leftovers = (dir: string) => onHost(name, `ls -A ${dir} | grep -cE 'upchain-[0-9a-f]{16}$' || true`).trim();

describe("ssh transport hardening on a real host", function () {
  this.timeout(180_000);
  let h: TestHost;
  const open: RemoteHost[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-tsh-"));
  const connect = async (c: Partial<Parameters<typeof connectSsh>[0]>) => {
    const host = await connectSsh({ host: h.host, privateKey: privateKey(h), hostKey: h.hostKey, ...c });
    open.push(host);
    return host;
  };

  before(() => {
    requireRoot();
    [h] = startHosts(name);
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });
  after(() => {
    stopHosts(name);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("an encrypted key logs in with its passphrase, and without it fails clearly before any login", async () => {
    const passphrase = "tsh1 passphrase, not shown";
    const keyFile = path.join(dir, "encrypted");
    fs.copyFileSync(h.privateKeyFile, keyFile);
    fs.chmodSync(keyFile, 0o600);
    execFileSync("ssh-keygen", ["-q", "-p", "-P", "", "-N", passphrase, "-f", keyFile]);
    const encrypted = fs.readFileSync(keyFile, "utf8");
    assert.notStrictEqual(encrypted, privateKey(h), "the key is really encrypted");

    const host = await connect({ privateKey: encrypted, privateKeyPassphrase: passphrase });
    assert.strictEqual((await host.exec("id -u")).stdout.trim(), "0");

    const accepted = () => (onHost(name, "cat /var/log/sshd.log").match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    for (const given of [undefined, "wrong passphrase"]) {
      await assert.rejects(connect({ privateKey: encrypted, privateKeyPassphrase: given }), (e: unknown) => {
        const m = (e as Error).message;
        return (
          isUpchainError(e, "INVALID_INPUT") &&
          (e as { path: string[] }).path.join(".") === "connection.privateKeyPassphrase" &&
          !m.includes(passphrase) &&
          !m.includes("wrong passphrase") &&
          !m.includes(encrypted.split("\n")[1])
        );
      });
    }
    assert.strictEqual(accepted(), before, "no login was tried without a usable key");
  });

  it("a host pinned by its RSA key connects, though it also offers an ed25519 key", async () => {
    onHost(
      name,
      `set -e; [ -s /etc/ssh/ssh_host_rsa_key ] || ssh-keygen -q -t rsa -b 3072 -N '' -f /etc/ssh/ssh_host_rsa_key; ` +
        `/usr/sbin/sshd -p ${bothKeysPort} -o HostKey=/etc/ssh/ssh_host_ed25519_key -o HostKey=/etc/ssh/ssh_host_rsa_key -E /var/log/sshd-${bothKeysPort}.log; ` +
        `for i in $(seq 50); do ss -ltn | grep -q ':${bothKeysPort} ' && exit 0; sleep 0.1; done; exit 1`,
    );
    const rsaPin = onHost(name, "cut -d' ' -f1,2 /etc/ssh/ssh_host_rsa_key.pub").trim();
    assert.match(rsaPin, /^ssh-rsa /);
    const rsa = await connect({ port: bothKeysPort, hostKey: rsaPin });
    assert.strictEqual((await rsa.exec("echo via-rsa")).stdout, "via-rsa\n");
    // the same server offers ed25519 too, and a host pinned by that key still connects
    const ed = await connect({ port: bothKeysPort });
    assert.strictEqual((await ed.exec("echo via-ed25519")).stdout, "via-ed25519\n");
  });

  it("a write as deploy lands atomically beside the target, with the right content, owner and mode, leaving no temp file", async () => {
    // /tmp on its own filesystem, as on many servers: a file moved from there would be copied, not renamed
    onHost(name, "mountpoint -q /tmp || mount -t tmpfs -o mode=1777 tmpfs /tmp");
    const target = "/etc/upchain-hardening.conf";
    const versions = [0, 1, 2, 3].map((i) => Buffer.alloc(8 * 1024 * 1024, String(i)));
    onHost(name, `printf old > ${target}; chmod 0644 ${target}; rm -f /root/reads /root/stop`);
    // a reader on the host hashing the file as fast as it can while it is replaced
    // (a moment without the file reads as "missing", which is no version either)
    onHost(
      name,
      `nohup sh -c 'while [ ! -e /root/stop ]; do { sha256sum < ${target} || echo missing; } 2>/dev/null | cut -c1-64 >> /root/reads; done' >/dev/null 2>&1 &`,
    );
    const deploy = await connect({ user: "deploy" });
    for (const v of versions) await deploy.writeFile(target, v, 0o640);
    onHost(name, "touch /root/stop; sleep 0.5");
    const reads = new Set(onHost(name, "sort -u /root/reads").trim().split("\n"));
    const whole = new Set([sha("old"), ...versions.map((v) => sha(v))]);
    assert.ok(reads.size >= 2, "the reader saw the file change");
    for (const r of reads) assert.ok(whole.has(r), `a reader saw a file that is neither the old nor a new version: ${r}`);
    assert.strictEqual(onHost(name, `sha256sum < ${target} | cut -c1-64`).trim(), sha(versions[3]));
    assert.strictEqual(onHost(name, `stat -c '%U:%G %a' ${target}`).trim(), "root:root 640");
    assert.strictEqual(leftovers("/etc"), "0", "no temp file beside the target");
    assert.strictEqual(leftovers("/tmp"), "0", "no staging file in /tmp");
  });

  it("a write that fails its check leaves the target as it was and no temp file, as deploy and as root", async () => {
    const target = "/etc/upchain-checked.conf";
    onHost(name, `printf before > ${target}`);
    // a sha256sum that disagrees with everything, found first on sudo's secure_path
    onHost(
      name,
      `printf '#!/bin/sh\\necho 0000000000000000000000000000000000000000000000000000000000000000 -\\n' > /usr/local/bin/sha256sum; chmod 0755 /usr/local/bin/sha256sum`,
    );
    try {
      for (const user of ["deploy", "root"]) {
        const host = await connect({ user });
        await assert.rejects(
          host.writeFile(target, "after\n"),
          (e: unknown) =>
            isUpchainError(e, "REMOTE_IO_FAILED") &&
            /failed.*the content that arrived is not the content sent \(its sha256 differs\)/s.test((e as Error).message) &&
            !/0{64}/.test((e as Error).message),
        );
        assert.strictEqual(onHost(name, `cat ${target}`), "before", `${user}: the target is unchanged`);
        assert.strictEqual(leftovers("/etc"), "0", `${user}: no temp file beside the target`);
        assert.strictEqual(leftovers("/tmp"), "0", `${user}: no staging file in /tmp`);
      }
    } finally {
      onHost(name, "rm -f /usr/local/bin/sha256sum");
    }
  });
});
