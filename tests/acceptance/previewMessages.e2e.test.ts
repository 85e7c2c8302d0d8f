// First contact (issue 16): preview's refusals in the operator's words, with the real pulumi CLI.
// A config mistake is one clean message (no stack trace, no colour codes) with every problem of the
// server in it; a host-level refusal names the stack's key, never the provider's property or the
// engine's `value {<nil>}`; and a fleet whose servers each have a different mistake is refused by
// one preview, with one table naming all of them.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { TestHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PulumiProject, runErrors } from "../support/pulumi";

const NAME = "pvm1";
const ANSI = /\x1b\[/;
// a Node stack trace's frame, as an uncaught exception prints it
const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe("preview's messages in the operator's words (real pulumi CLI)", function () {
  this.timeout(600_000);
  let h: TestHost;
  let project: PulumiProject;

  const omflow = (name: string, fields: Record<string, unknown> = {}) => ({
    name,
    host: h.host,
    hostKey: h.hostKey,
    product: "omflow",
    version: "1.2.0.1",
    current: "1.2.0.1",
    lockTimeoutSeconds: 30,
    ...fields,
  });
  const preview = (servers: unknown[]) => {
    project.writeConfig({ "upchain:servers": servers });
    project.setConfig("upchain:privateKey", privateKey(h), true);
    return project.run(["preview"]);
  };

  before(() => {
    requireRoot();
    [h] = startHosts(NAME);
    // no OMFLOW document names a version source: the stack declares it (current), and preview needs nothing on the host
    project = new PulumiProject("previewmessages");
    project.init();
  });
  after(() => {
    project?.dispose();
    stopHosts(NAME);
  });

  it("a misspelt product, a misspelt server key and a misspelt option are one clean message, each with its did-you-mean, in the first preview", () => {
    const r = preview([omflow("pm-a", { product: "omflwo", lockTimeoutSeconds: undefined, lockTimeoutSecond: 30, options: { offlineBundel: "/srv/bundle" } })]);
    assert.notStrictEqual(r.code, 0, r.output);
    for (const line of [
      /upchain:servers\[0\]\.product: "omflwo" is not a product; did you mean "omflow"\?/,
      /upchain:servers\[0\]\.lockTimeoutSecond: unknown key; did you mean "lockTimeoutSeconds"\?/,
      /upchain:servers\[0\]\.options\.offlineBundel: is not an option; did you mean `offlineBundle`\?/,
    ]) {
      assert.match(r.output, line);
    }
    assert.doesNotMatch(r.output, ANSI, "no colour codes under --color never");
    assert.doesNotMatch(r.output, STACK_FRAME, `no stack trace:\n${r.output}`);
    assert.doesNotMatch(r.output, /unhandled exception|UpchainError:/, r.output);
  });

  it("a version the host cannot reach is named as the stack's version key, without the engine's property or <nil>", () => {
    const r = preview([omflow("pm-a", { version: "1.2.9.9" })]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /upchain:servers\[0\]\.version: UNKNOWN_VERSION: 1\.2\.9\.9 is not a known OMFLOW release/, runErrors(r.output));
    assert.doesNotMatch(r.output, /property target|value \{<nil>\}|property connection/, runErrors(r.output));
  });

  it("three servers, each with a different mistake, are refused by one preview with one table naming all three", () => {
    const r = preview([
      omflow("pm-a", { version: "1.1.6.1" }), // a downgrade: only the host can tell
      omflow("pm-b", { options: { offlineBundel: "/srv/bundle" } }), // an option typo: the stack's own check
      omflow("pm-c", { port: 2 }), // nothing listens there: the connection is refused
    ]);
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /3 problems on 3 servers:/, runErrors(r.output));
    assert.match(r.output, /server +\| field or check +\| problem +\| what to do/);
    const row = (server: string, field: RegExp, problem: RegExp) =>
      assert.ok(
        r.output.split("\n").some((l) => new RegExp(`^\\s*${server} +\\| ${field.source} +\\| ${problem.source}`).test(l)),
        `no row for ${server}:\n${r.output}`,
      );
    row("pm-a", /upchain:servers\[0\]\.version/, /DOWNGRADE: 1\.1\.6\.1 is older than the installed 1\.2\.0\.1/);
    row("pm-b", /upchain:servers\[1\]\.options\.offlineBundel/, /is not an option/);
    row("pm-c", /upchain:servers\[2\]\.host/, /.*(refused|could not connect|ECONNREFUSED)/i);
    // the progress display shows the error's first line as it happens; the diagnostics hold the one error
    const diagnostics = r.output.slice(r.output.indexOf("Diagnostics:"));
    assert.strictEqual(diagnostics.match(/^\s*error: /gm)?.length, 1, `one error, the table:\n${r.output}`);
    assert.doesNotMatch(r.output, /Server resource '(pm-a|pm-b|pm-c)'/, "no server fails on its own: the preview fails once");
    assert.doesNotMatch(r.output, /value \{<nil>\}|property connection|privateKey/, runErrors(r.output));
  });

  it("servers listed in a file (upchain:serversFile) are read by preview, and its table names each problem by the file's path and the entry's place", () => {
    fs.mkdirSync(path.join(project.dir, "fleet"), { recursive: true });
    // YAML with the shared fields written once (a merge key): pm-b's port has nothing listening, pm-c's option is misspelt
    const entry = (name: string, shared: string, extra = "") => `- name: ${name}\n  host: ${h.host}\n  hostKey: ${h.hostKey}\n  <<: ${shared}\n${extra}`;
    fs.writeFileSync(
      path.join(project.dir, "fleet/servers.yaml"),
      [
        entry("pm-a", '&omflow { product: omflow, version: "1.2.0.1", current: "1.2.0.1", lockTimeoutSeconds: 30 }'),
        entry("pm-b", "*omflow", "  port: 2\n"),
        entry("pm-c", "*omflow", "  options: { offlineBundel: /srv/bundle }\n"),
      ].join(""),
    );
    const r = previewConfig({ "upchain:serversFile": "fleet/servers.yaml" });
    assert.notStrictEqual(r.code, 0, r.output);
    assert.match(r.output, /2 problems on 2 servers:/, runErrors(r.output));
    const row = (server: string, field: RegExp, problem: RegExp) =>
      assert.ok(
        r.output.split("\n").some((l) => new RegExp(`^\\s*${server} +\\| ${field.source} +\\| ${problem.source}`).test(l)),
        `no row for ${server}:\n${r.output}`,
      );
    row("pm-b", /fleet\/servers\.yaml: \[1\]\.host/, /.*(refused|could not connect|ECONNREFUSED)/i);
    row("pm-c", /fleet\/servers\.yaml: \[2\]\.options\.offlineBundel/, /is not an option/);
    assert.doesNotMatch(r.output, /^\s*pm-a +\|/m, "pm-a, read from the file as its entry says, has no problem");
    assert.doesNotMatch(r.output, /upchain:servers\[/, runErrors(r.output));
  });

  // a host key the stack's own check lets through (it reads only pasted ssh-keyscan lines) reaches the resource's check
  const broken = "ssh-ed25519 not-a-key";
  const previewConfig = (config: Record<string, unknown>) => {
    project.writeConfig(config);
    project.setConfig("upchain:privateKey", privateKey(h), true);
    return project.run(["preview"]);
  };
  const inTheStacksWords = (output: string, field: RegExp) => {
    assert.match(output, field, runErrors(output));
    assert.doesNotMatch(output, /value \{|property connection|property members|property balancer/, runErrors(output));
  };

  it("a broken upchain:hosts entry is named as the stack's key, without the engine's property or value", () => {
    const r = previewConfig({
      "upchain:hosts": [
        { name: "pm-facts", host: h.host, hostKey: h.hostKey },
        { name: "pm-broken", host: h.host, hostKey: broken },
      ],
    });
    assert.notStrictEqual(r.code, 0, r.output);
    inTheStacksWords(r.output, /upchain:hosts\[1\]\.hostKey: "ssh-ed25519 not-a-key" is not an OpenSSH public key/);
  });

  it("a broken cluster member is named as the stack's member key, without the engine's property or value", () => {
    const r = previewConfig({
      "upchain:clusters": [
        {
          name: "pm-wc",
          product: "oracle-as",
          version: "10.1.2",
          balancer: { host: h.host, hostKey: h.hostKey },
          members: [
            { name: "pm-wc1", host: h.host, hostKey: h.hostKey },
            { name: "pm-wc2", host: h.host, hostKey: broken },
          ],
        },
      ],
    });
    assert.notStrictEqual(r.code, 0, r.output);
    inTheStacksWords(r.output, /upchain:clusters\[0\]\.members\[1\]\.hostKey: "ssh-ed25519 not-a-key" is not an OpenSSH public key/);
  });
});
