// upchain:serversFile: the servers' list in a file the program reads (the stack's configuration
// reaches the program in one environment variable, which Linux caps at 128 KiB). The file's entries
// are checked exactly as upchain:servers' are, each named by the file's path and its place in it.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isUpchainError } from "../../../providers/errors";
import { ConfigSource, readFleetConfig, readStackConfig } from "../../../stacks/readConfig";
import { SERVERS_FILE_MAX_BYTES, readServersFile } from "../../../stacks/serversFile";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const omf = (name: string, fields: Record<string, unknown> = {}) => ({
  name,
  host: "192.0.2.30",
  hostKey: key,
  product: "omflow",
  version: "1.2.0.1",
  ...fields,
});

/** The config map as Pulumi hands it to the program, with the SSH key set as a secret. */
function source(config: Record<string, unknown>): ConfigSource {
  const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { values: { ...values, "upchain:privateKey": "K" }, isSecret: (k) => k === "upchain:privateKey" };
}

/** The refusal's header and its problems, one per line. */
function refusal(s: ConfigSource): { head: string; lines: string[] } {
  try {
    readStackConfig(s, "stacks/Pulumi.prod.yaml");
  } catch (e) {
    assert.ok(isUpchainError(e, "INVALID_INPUT"), String(e));
    const [head, ...lines] = e.message.split("\n");
    return { head, lines: lines.map((l) => l.trim()) };
  }
  assert.fail("the configuration was accepted");
}

describe("servers declared in a file (upchain:serversFile)", () => {
  let project: string;
  const here = process.cwd();
  const write = (rel: string, text: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    fs.writeFileSync(path.join(project, rel), text);
  };

  beforeEach(() => {
    // a project folder, as the program runs in: a relative path is read from it
    project = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-serversfile-"));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
    fs.mkdirSync(path.join(project, "stacks"));
    process.chdir(path.join(project, "stacks"));
  });
  afterEach(() => {
    process.chdir(here);
    fs.rmSync(project, { recursive: true, force: true });
  });

  const yamlFleet = [
    "# the fleet's servers, as upchain:servers would list them",
    "- name: a",
    "  host: 192.0.2.30",
    `  hostKey: ${key}`,
    "  product: omflow",
    '  version: "1.2.0.1"',
    "  options: &shared",
    "    offlineBundle: /srv/bundle",
    "- name: b",
    "  host: 192.0.2.31",
    `  hostKey: ${key}`,
    "  product: omflow",
    '  version: "1.2.0.1"',
    "  options: *shared",
    "",
  ].join("\n");
  const inStack = [omf("a", { options: { offlineBundle: "/srv/bundle" } }), omf("b", { host: "192.0.2.31", options: { offlineBundle: "/srv/bundle" } })];

  it("reads a YAML file, named relative to the project's folder, exactly as upchain:servers would be read (aliases written out)", () => {
    write("fleet/servers.yaml", yamlFleet);
    const fromFile = readStackConfig(source({ "upchain:serversFile": "fleet/servers.yaml" }));
    const fromStack = readStackConfig(source({ "upchain:servers": inStack }));
    assert.deepStrictEqual(fromFile.config.servers, fromStack.config.servers);
    assert.deepStrictEqual(
      fromFile.config.servers.map((s) => s.name),
      ["a", "b"],
    );
  });

  it("reads a JSON file, named by its absolute path, the same way", () => {
    write("servers.json", JSON.stringify(inStack, null, 2));
    const fromFile = readStackConfig(source({ "upchain:serversFile": path.join(project, "servers.json") }));
    assert.deepStrictEqual(fromFile.config.servers, readStackConfig(source({ "upchain:servers": inStack })).config.servers);
  });

  it("names every bad entry at once by the file's path and the entry's place, with the rule and the legal choices", () => {
    const bad = [
      omf("a", { options: { offlineBundel: "/srv/bundle" } }),
      omf("b", { product: "omflwo" }),
      omf("c", { host: undefined, lockTimeoutSecond: 60 }),
      omf("d", { version: "1.2.x" }),
    ];
    write("fleet/servers.yaml", JSON.stringify(bad));
    const { head, lines } = refusal(source({ "upchain:serversFile": "fleet/servers.yaml", "upchain:usr": "root" }));
    assert.strictEqual(head, `stacks/Pulumi.prod.yaml and its servers file fleet/servers.yaml have ${lines.length} problem(s):`);
    for (const expected of [
      /^upchain:usr: unknown key; did you mean "user"\?$/,
      /^fleet\/servers\.yaml: \[0\]\.options\.offlineBundel: is not an option; did you mean `offlineBundle`\?/,
      /^fleet\/servers\.yaml: \[1\]\.product: "omflwo" is not a product; did you mean "omflow"\? supported products: omflow, groupmax, oracle-as, altazion-office$/,
      /^fleet\/servers\.yaml: \[2\]\.host: missing; this key is required$/,
      /^fleet\/servers\.yaml: \[2\]\.lockTimeoutSecond: unknown key; did you mean "lockTimeoutSeconds"\?$/,
      /^fleet\/servers\.yaml: \[3\]\.version: "1\.2\.x" is not an? OMFLOW version/,
    ]) {
      assert.ok(
        lines.some((l) => expected.test(l)),
        `${expected} not in:\n${lines.join("\n")}`,
      );
    }
    assert.ok(!lines.some((l) => l.startsWith("upchain:servers")), lines.join("\n"));
  });

  it("hands a fleet's bad entries on to preview's table, named in the file, and reads the others", () => {
    write("fleet/servers.yaml", JSON.stringify([omf("a"), omf("b", { options: { offlineBundel: "/x" } }), omf("c")]));
    const fleet = readFleetConfig(source({ "upchain:serversFile": "fleet/servers.yaml" }), "stacks/Pulumi.prod.yaml");
    assert.deepStrictEqual(
      fleet.settings.config.servers.map((s) => s.name),
      ["a", "c"],
    );
    assert.deepStrictEqual(fleet.positions, [0, 2]);
    assert.strictEqual(fleet.serversFile, "fleet/servers.yaml");
    assert.deepStrictEqual(
      fleet.serverProblems.map((p) => [p.server, p.field]),
      [["b", "fleet/servers.yaml: [1].options.offlineBundel"]],
    );
  });

  it("refuses upchain:servers and upchain:serversFile together, saying how to keep one", () => {
    write("fleet/servers.yaml", JSON.stringify([omf("b")]));
    const { lines } = refusal(source({ "upchain:servers": [omf("a")], "upchain:serversFile": "fleet/servers.yaml" }));
    assert.deepStrictEqual(lines, [
      "upchain:serversFile: upchain:servers and upchain:serversFile are both set: declare the servers in one place, either move upchain:servers' entries into the file and remove the key, or remove upchain:serversFile",
    ]);
  });

  it("refuses a missing file, naming it and where a relative path is read from, with no noise about servers not declared", () => {
    const { lines } = refusal(source({ "upchain:serversFile": "fleet/servers.yaml", "upchain:rollout": { waves: [1] } }));
    assert.strictEqual(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0],
      /^upchain:serversFile: cannot read fleet\/servers\.yaml: no such file; a relative path is read from the project's folder \(.*\/fleet\/servers\.yaml\): give upchain:serversFile the path of a readable file, relative to \/.* or absolute$/,
    );
  });

  it("refuses a file YAML cannot parse with the line and column, without quoting the file", () => {
    write("servers.yaml", "- name: a\n  host: [hunter2-secret\n");
    const { lines } = refusal(source({ "upchain:serversFile": "servers.yaml" }));
    assert.strictEqual(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^upchain:serversFile: cannot read servers\.yaml as YAML or JSON: .* at line \d+, column \d+; write a list of server entries/);
    assert.ok(!lines[0].includes("hunter2"), lines[0]);
  });

  for (const [what, text, said] of [
    ["a mapping", "servers:\n  - name: a\n", /servers\.yaml holds a mapping, not a list: write a list of server entries, as upchain:servers holds/],
    ["nothing", "# no servers yet\n", /servers\.yaml is empty: write a list of server entries/],
    ["a single text", "a, b\n", /servers\.yaml holds a single text, not a list/],
  ] as const) {
    it(`refuses a file that holds ${what} instead of a list`, () => {
      write("servers.yaml", text);
      assert.match(refusal(source({ "upchain:serversFile": "servers.yaml" })).lines.join("\n"), said);
    });
  }

  it("refuses a file larger than the limit without parsing it", () => {
    write("servers.yaml", Buffer.alloc(SERVERS_FILE_MAX_BYTES + 1, "#"));
    assert.match(
      refusal(source({ "upchain:serversFile": "servers.yaml" })).lines[0],
      /cannot read servers\.yaml: it is 8\.0 MiB, more than the 8 MiB a servers file may be .*split the fleet into stacks/,
    );
  });

  it("refuses a folder, a FIFO (without waiting on it) and a file that is not UTF-8", () => {
    fs.mkdirSync(path.join(project, "dir"));
    execFileSync("mkfifo", [path.join(project, "fifo")]);
    write("latin1.yaml", Buffer.from("- name: caf\xe9\n", "latin1"));
    const said = (file: string) => refusal(source({ "upchain:serversFile": file })).lines[0];
    assert.match(said("dir"), /cannot read dir: it is a folder/);
    assert.match(said("fifo"), /cannot read fifo: it is not a regular file/);
    assert.match(said("latin1.yaml"), /cannot read latin1\.yaml: it is not UTF-8 text/);
  });

  it("refuses aliases that would write out into more than the limit (a billion laughs), at once", () => {
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(", ")}]`,
      );
    write("servers.yaml", `- name: a\n  options: {${levels.join(", ")}}\n`);
    const started = Date.now();
    assert.match(
      refusal(source({ "upchain:serversFile": "servers.yaml" })).lines[0],
      /servers\.yaml is more than 32 MiB once its aliases \(\*name\) are written out/,
    );
    assert.ok(Date.now() - started < 5_000, "refused without writing the aliases out");
  });

  it("refuses a file nested deeper than any server's entry is", () => {
    write("servers.yaml", `- name: a\n  options: ${"[".repeat(80)}${"]".repeat(80)}\n`);
    assert.match(refusal(source({ "upchain:serversFile": "servers.yaml" })).lines[0], /^upchain:serversFile: servers\.yaml nests deeper than 64 levels/);
  });

  it("refuses a value Pulumi encrypted (secure:) copied into the file, at its field, without its value, as the stack file refuses a secret in upchain:servers", () => {
    write("servers.yaml", JSON.stringify([omf("a", { options: { installers: { mailServer: { secure: "v1:c2VjcmV0LWNpcGhlcnRleHQ=" } } } })]));
    const { lines } = refusal(source({ "upchain:serversFile": "servers.yaml" }));
    const line = lines.find((l) => l.startsWith("servers.yaml: [0].options.installers.mailServer: holds a value encrypted by Pulumi (secure:)"));
    assert.ok(line, lines.join("\n"));
    assert.match(line, /pulumi config set --secret --path 'upchain:secrets\.<name>' VALUE/);
    assert.match(line, /\$UPCHAIN_SECRET_<NAME>/);
    assert.ok(!lines.join("\n").includes("c2VjcmV0"), lines.join("\n"));
  });

  it("refuses upchain:serversFile itself set as a secret, as any plain key", () => {
    const s = source({ "upchain:serversFile": "servers.yaml" });
    const { lines } = refusal({ ...s, isSecret: (k) => k === "upchain:privateKey" || k === "upchain:serversFile" });
    assert.strictEqual(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^upchain:serversFile: holds a value set with --secret.*upchain:serversFile itself is not a secret$/);
  });

  it("reads the file from the project's folder given, whatever the working folder", () => {
    write("fleet/servers.yml", yamlFleet);
    process.chdir(os.tmpdir());
    const read = readServersFile("fleet/servers.yml", project);
    assert.deepStrictEqual(read.issues, []);
    assert.deepStrictEqual(
      (read.servers as { name: string }[]).map((s) => s.name),
      ["a", "b"],
    );
  });
});
