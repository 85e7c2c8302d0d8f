// Reading the installed version on a host (a fake one that answers by command): each source in the
// order, what is run for it, and what a bad answer says.
import * as assert from "assert";
import { getCatalog, productNames } from "../../../providers/catalogs";
import { PlanContext } from "../../../providers/engine/planning/catalog";
import { isUpchainError } from "../../../providers/errors";
import { findInstalled, probeInstalled, trackedPath, versionReadAtEnd, writeTracked } from "../../../providers/server/installed";
import { invocationOf } from "../../../providers/engine/readOnHost";
import { ExecResult, RemoteHost } from "../../../providers/transport/remoteHost";
import { counter } from "../../support/counterCatalog";
import { LocalHost, tempDir } from "../../support/localHost";
import * as fs from "fs";
import * as path from "path";
import { webOptions } from "../catalogs/altazion/fixtures";

type Answer = Partial<ExecResult>;

/** A host that answers each command by the first rule whose pattern it matches, and remembers what it ran and wrote. */
function fakeHost(rules: [RegExp, Answer][]) {
  const ran: string[] = [];
  const written: Record<string, string> = {};
  const host = {
    label: "root@h1:22",
    exec: async (command: string, o: { stdin?: string } = {}) => {
      // a PowerShell script rides on standard input (engine/readOnHost.ts): recorded after the line
      ran.push(o.stdin === undefined ? command : `${command} <<< ${Buffer.from(o.stdin, "base64").toString("utf8")}`);
      const answer = rules.find(([p]) => p.test(command))?.[1] ?? {};
      return { code: 0, signal: null, stdout: "", stderr: "", ...answer };
    },
    writeFile: async (p: string, data: string | Buffer) => void (written[p] = String(data)),
  } as unknown as RemoteHost;
  return { host, ran, written };
}

const omflow = getCatalog("omflow");
const linux: PlanContext = { platform: "linux", releases: [], options: {} };
const record = trackedPath("omflow");
const recordHolds = (v: string): [RegExp, Answer] => [new RegExp(record.replace(/[.]/g, "\\.")), { stdout: v }];

describe("reading the installed version on the host, source by source", () => {
  it("a documented source is read with the catalog's probe, and nothing else is asked", async () => {
    const { host, ran } = fakeHost([[/counter\/VERSION/, { stdout: "3\n" }]]);
    const r = await findInstalled(host, counter, linux, { versionCommand: "never-run", current: "1" }, "counter");
    assert.deepStrictEqual([r.version, r.source.kind], ["3", "document"]);
    assert.deepStrictEqual(ran, [counter.probeVersion!(linux).command]);
  });

  it("the version a run's last exec read with the documented probe stands for the read after the run only when the probe answered a version", () => {
    assert.strictEqual(versionReadAtEnd(counter, linux, {}, { code: 0, stdout: "3\n" }), "3");
    assert.strictEqual(versionReadAtEnd(counter, linux, {}, { code: 1, stdout: "3\n" }), undefined, "a probe that failed: the host is read as before");
    assert.strictEqual(versionReadAtEnd(counter, linux, {}, { code: 0, stdout: "  \n" }), undefined, "a probe that printed nothing");
    assert.strictEqual(versionReadAtEnd(counter, linux, {}, undefined), undefined, "no read at the end");
    assert.strictEqual(
      versionReadAtEnd(omflow, linux, { versionCommand: "omflow-version" }, { code: 0, stdout: "1.1.6.3\n" }),
      undefined,
      "another source than the documented probe",
    );
  });

  it("the site's versionCommand is run as it is written on Linux", async () => {
    const { host, ran } = fakeHost([[/^omflow-version$/, { stdout: "1.1.6.3\n" }]]);
    const r = await findInstalled(host, omflow, linux, { versionCommand: "omflow-version", current: "1.1.5.0" }, "omflow");
    assert.deepStrictEqual([r.version, r.source.kind, ran], ["1.1.6.3", "site", ["omflow-version"]]);
  });

  it("on Windows it goes through powershell -EncodedCommand with the script on standard input, as a catalog's PowerShell probe does", async () => {
    const { host, ran } = fakeHost([[/^powershell /, { stdout: "1.1.6.3\r\n" }]]);
    const r = await findInstalled(host, omflow, { ...linux, platform: "windows" }, { versionCommand: "(Get-Item 'C:\\o').Version" }, "omflow");
    assert.strictEqual(r.version, "1.1.6.3");
    assert.deepStrictEqual(ran, [`${invocationOf({ shell: "powershell", command: "" }).line} <<< (Get-Item 'C:\\o').Version`]);
  });

  for (const [name, answer, reason] of [
    [
      "a versionCommand that prints something else is refused at versionCommand, without repeating it",
      { stdout: "OMFLOW Server build 7 for ACME" },
      /versionCommand printed text that is not an OMFLOW version/,
    ],
    [
      "a versionCommand that fails is refused with its exit status, without its output",
      { code: 3, stdout: "ACME", stderr: "ACME trace" },
      /versionCommand exited with status 3 \(its output is not shown/,
    ],
  ] as [string, Answer, RegExp][]) {
    it(name, async () => {
      const { host } = fakeHost([[/^omflow-version$/, answer]]);
      const e = await findInstalled(host, omflow, linux, { versionCommand: "omflow-version" }, "omflow").then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), String(e));
      assert.deepStrictEqual(e.path, ["versionCommand"]);
      assert.match(e.message, reason);
      assert.doesNotMatch(e.message, /ACME/);
    });
  }

  it("without versionCommand, the version upchain kept on the host after the last run wins over the state and current", async () => {
    const { host } = fakeHost([recordHolds("1.2.0.0\n")]);
    const r = await findInstalled(host, omflow, linux, { current: "1.1.5.0", tracked: "1.1.6.1" }, "omflow");
    assert.deepStrictEqual([r.version, r.source.kind], ["1.2.0.0", "tracked"]);
  });

  it("with nothing kept on the host, the state's version is the tracked one", async () => {
    const { host } = fakeHost([]);
    const r = await findInstalled(host, omflow, linux, { current: "1.1.5.0", tracked: "1.1.6.1" }, "omflow");
    assert.deepStrictEqual([r.version, r.source.kind], ["1.1.6.1", "tracked"]);
  });

  it("on first adoption (nothing kept, nothing in the state), current is trusted", async () => {
    const { host } = fakeHost([]);
    const r = await findInstalled(host, omflow, linux, { current: "1.1.5.0" }, "omflow");
    assert.deepStrictEqual([r.version, r.source.kind], ["1.1.5.0", "declared"]);
  });

  it("no source at all is refused as bad input naming versionCommand and current", async () => {
    const { host } = fakeHost([]);
    const e = await findInstalled(host, omflow, linux, {}, "omflow").then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(isUpchainError(e, "INVALID_INPUT"), String(e));
    assert.match(e.message, /^versionCommand: no documented way to read the installed OMFLOW version: give versionCommand .* or current /);
  });

  it("a kept version that someone changed into something else is refused, saying what to do, without repeating it", async () => {
    const { host } = fakeHost([recordHolds("1.2.0.0; curl evil")]);
    const e = await findInstalled(host, omflow, linux, { current: "1.1.5.0" }, "omflow").then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), String(e));
    assert.match(e.message, /Give versionCommand so that upchain reads the version, or move the file aside and give current/);
    assert.doesNotMatch(e.message, /evil/);
  });

  it("the version a run reached is kept beside the server's journal, named by its journal name", async () => {
    const { host, written } = fakeHost([]);
    await writeTracked(host, "omflow-2", "1.2.0.1");
    assert.deepStrictEqual(written, { "/var/lib/upchain/omflow-2.installed": "1.2.0.1\n" });
  });

  it("a server adopted where it already is, on a host no run has touched, gets its state folder made (0700) for the version kept", async () => {
    const dir = tempDir("upchain-tracked-");
    try {
      const state = path.join(dir, "var/lib/upchain");
      await writeTracked(new LocalHost(), "omflow", "1.2.0.1", state);
      assert.strictEqual(fs.readFileSync(path.join(state, "omflow.installed"), "utf8"), "1.2.0.1\n");
      assert.strictEqual(fs.statSync(state).mode & 0o777, 0o700);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the Server provider's refusal of a host without the product (UNKNOWN_VERSION)", () => {
  const hostPrinting = (stdout: string) => ({ label: "root@h1:22", exec: async () => ({ code: 0, stdout, stderr: "" }) }) as unknown as RemoteHost;
  const refusal = async (stdout: string, product = "oracle-as", platform: "linux" | "windows" = "linux") => {
    const c = getCatalog(product);
    const options = product === "altazion-office" ? webOptions(platform) : {};
    const e = await probeInstalled(hostPrinting(stdout), c, { platform, releases: c.defaultReleases, options }).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), String(e));
    return e.message;
  };

  it("a host whose documented version source is empty is told in one sentence what was read and what upchain does", async () => {
    const e = await probeInstalled(hostPrinting(""), counter, { platform: "linux", releases: counter.defaultReleases, options: {} }).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), String(e));
    assert.strictEqual(
      e.message,
      "root@h1:22: no Counter installation found (cat /opt/counter/VERSION 2>/dev/null || true printed nothing). " +
        "upchain adopts servers that already run Counter; it never installs from nothing.",
    );
  });

  it("every product's refusal closes each parenthesis it opens, whatever its version command holds", async () => {
    // only the products whose documents name a version source have a probe to refuse with
    for (const product of productNames().filter((p) => getCatalog(p).probeVersion)) {
      for (const platform of getCatalog(product).platforms) {
        const text = await refusal("", product, platform);
        let depth = 0;
        for (const ch of text) {
          depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
          assert.ok(depth >= 0, `${product} on ${platform}: a ")" before its "(": ${text}`);
        }
        assert.strictEqual(depth, 0, `${product} on ${platform}: ${text}`);
      }
    }
  });
});
