// The secrets scan (issue 7): a Groupmax stack whose SSH key, login password (and, once the transport
// reads it, the key's passphrase) and one secret option value are Pulumi secrets runs through the
// real pulumi CLI on two test hosts: preview, an up whose installer fails after reading the secret
// (so the restore path runs and prints the step's output), an up that finishes, an up with nothing
// to do, and a refresh. Then every place a secret could end up is searched for each of them: every
// pulumi output, the state and `pulumi stack export`, the stack file, the engine's event logs, the
// hosts' upchain folder (journal, history, step folders), temp folders, logs and home folders, and
// the process lists sampled while the steps that read the secret ran. Zero hits. A hit is reported by
// what was found and where, never by printing the secret.
//
// Pulumi's own verbose log (-v=9) and its automatic logs (PULUMI_HOME/logs, encrypted with the
// stack's key) trace resource inputs with decrypted secrets in them: that is the engine's doing,
// not upchain's, and the test pins every hit in those logs down to those trace lines.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { GROUPMAX_LAYOUT, failInstall, groupmaxState, installGroupmax } from "../support/groupmaxFixture";
import { groupmaxOptions } from "../support/groupmaxProject";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PulumiProject, repoRoot } from "../support/pulumi";
import { exportedResources } from "../support/stackExport";

/** How Pulumi marks a secret in state and in `stack export`: {SECRET_SIG: SECRET_VALUE, ciphertext}. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const DIGEST_FILE = "/var/tmp/mail-admin-password.sha256";
// Long enough for the process-list sampler to catch the step that holds the secret in its environment.
const INSTALLER_PAUSE = "sleep 3";
const SERVER_TYPE = "pulumi-nodejs:dynamic/upchain:Server";
/** base64 of "openssh-key-v1\0" followed by cipher "none" and kdf "none". */
const UNENCRYPTED_OPENSSH_HEADER = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ";
/**
 * The engine's own traces of resource inputs, decrypted secrets included: each property it marshals
 * for an RPC (sdk/go/common/resource/plugin/rpc.go, -v=9) and each planner decision with the inputs
 * (pkg/resource/deploy/step_generator.go, -v=7; in the automatic logs as base64 protobuf).
 */
const ENGINE_TRACE = /"msg":"((Un)?[Mm]arshaling property for RPC\[|Planner decided )/;

interface Needle {
  what: string;
  value: string;
}

interface Haystack {
  where: string;
  data: Buffer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** The passphrase is read by the transport only once providers/connectionSchema.ts knows the field. */
function transportReadsPassphrase(): boolean {
  return fs.readFileSync(path.join(repoRoot, "dist/providers/connectionSchema.js"), "utf8").includes("privateKeyPassphrase");
}

/** A fresh ed25519 key for this run only (encrypted when a passphrase is given). */
function makeKey(dir: string, passphrase: string): { privateKey: string; publicKey: string } {
  const file = path.join(dir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-C", "upchain-secretscan", "-N", passphrase, "-f", file], { stdio: "ignore" });
  return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8") };
}

/** What to look for: the whole value, and the forms a value takes when it is escaped, split or encoded. */
function needlesFor(what: string, value: string): Needle[] {
  const out: Needle[] = [{ what, value }];
  if (value.includes("\n")) {
    // a PEM body: each base64 line on its own (a key is printed or JSON-escaped line by line)
    // (an unencrypted OpenSSH key's first line is its format header, the same in every such key: no key material)
    value.split("\n").forEach((line, i) => {
      if (line.length >= 16 && !line.startsWith("-----") && !line.startsWith(UNENCRYPTED_OPENSSH_HEADER))
        out.push({ what: `${what}, line ${i + 1}`, value: line });
    });
  } else {
    out.push({ what: `${what}, JSON-escaped`, value: JSON.stringify(value).slice(1, -1) });
    out.push({ what: `${what}, base64`, value: Buffer.from(value, "utf8").toString("base64") });
  }
  return out.filter((n, i) => out.findIndex((m) => m.value === n.value) === i);
}

/** `text` with every needle replaced by its name, for assertion messages that show output. */
function redact(text: string, needles: Needle[]): string {
  return needles.reduce((t, n) => t.split(n.value).join(`[${n.what}]`), text);
}

/** Every hit as "WHAT in WHERE at byte N" (the value itself is never part of the report). */
function scan(needles: Needle[], haystacks: Haystack[]): string[] {
  const hits: string[] = [];
  for (const h of haystacks) {
    for (const n of needles) {
      const at = h.data.indexOf(Buffer.from(n.value, "utf8"));
      if (at >= 0) hits.push(`${n.what} in ${h.where} at byte ${at}`);
    }
  }
  return hits;
}

/** Every regular file under `dir` (symlinks are not followed: node_modules is shared, not ours). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Each file as it is, and a gzip file (pulumi's logs of commands without a stack) also unpacked. */
function fileHaystacks(dir: string, label: (file: string) => string): Haystack[] {
  return filesUnder(dir).flatMap((f) => {
    const data = fs.readFileSync(f);
    const out = [{ where: label(f), data }];
    // a log still being written ends mid-stream: take what is there
    if (data[0] === 0x1f && data[1] === 0x8b)
      out.push({ where: `${label(f)} (unpacked)`, data: zlib.gunzipSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }) });
    return out;
  });
}

/** Hits in lines other than the engine's own traces of inputs, as "WHAT in WHERE line N". */
function hitsOutsideEngineTrace(needles: Needle[], where: string, text: string): string[] {
  const hits: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (ENGINE_TRACE.test(line)) return;
    for (const n of needles) if (line.includes(n.value)) hits.push(`${n.what} in ${where} line ${i + 1}`);
  });
  return hits;
}

/** Every property at any depth of `v` whose key is `key`, with its path. */
function propertiesNamed(v: unknown, key: string, at = ""): { path: string; value: unknown }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => propertiesNamed(x, key, `${at}[${i}]`));
  if (typeof v !== "object" || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => [...(k === key ? [{ path: `${at}.${k}`, value: x }] : []), ...propertiesNamed(x, key, `${at}.${k}`)]);
}

const isCiphertext = (v: unknown) => {
  if (typeof v !== "object" || v === null) return false;
  const secret = v as Record<string, unknown>;
  return secret[SECRET_SIG] === SECRET_VALUE && typeof secret.ciphertext === "string" && secret.ciphertext.length > 0;
};

describe("secrets scan: a Groupmax stack with a secret key, password and option value leaves no secret anywhere", function () {
  this.timeout(20 * 60 * 1000);
  const names = ["ss1", "ss2"];
  const encryptedKey = transportReadsPassphrase();
  let hosts: TestHost[];
  let project: PulumiProject;
  let credDir: string;
  // Per run: nothing here can match by accident, and nothing an earlier run leaked can be found.
  const passphrase = encryptedKey ? `pp-${randomBytes(24).toString("base64url")}` : "";
  const password = `pw-${randomBytes(24).toString("base64url")}`;
  const secretTail = randomBytes(32).toString("base64url");
  // Quotes, $( ) and a backtick: the value must reach the installer as written, never through a shell's eyes.
  const secretValue = `mail'admin "$(id)" \`x\` ${secretTail}`;
  let key: { privateKey: string; publicKey: string };
  const outputs: Haystack[] = [];
  /** The -v=9 output, kept apart: the engine traces decrypted property values in it. */
  const verboseOutputs: Haystack[] = [];
  const processLists: Haystack[] = [];
  /** Per host: whether a sample caught the mail installer (the step reading the secret) running. */
  const installerSeen = new Map<string, number>();
  let commandCount = 0;

  /** Run pulumi and keep what it printed for the scan. */
  function pulumi(args: string[], input?: string) {
    const r = project.run(args, input);
    const label = `the output of \`pulumi ${args.filter((a) => a !== "--").join(" ")}\` (#${++commandCount})`;
    outputs.push({ where: `${label}, stdout`, data: Buffer.from(r.stdout) }, { where: `${label}, stderr`, data: Buffer.from(r.stderr) });
    return r;
  }

  function ok(args: string[], input?: string) {
    const r = pulumi(args, input);
    // the output is shown on failure with every secret replaced by its name (the scan reports leaks)
    assert.strictEqual(r.code, 0, `pulumi ${args.join(" ")} exited ${r.code}:\n${redact(r.output, needles())}`);
    return r;
  }

  const eventLog = (name: string) => ["--event-log", path.join(project.dir, `events-${name}.jsonl`)];

  /** Run pulumi in the background and sample every host's process list (and this machine's) until it ends. */
  async function runSampling(args: string[], name: string): Promise<{ code: number; output: string }> {
    const log = path.join(project.dir, `${name}.log`);
    const child = project.start(args, log);
    let code: number | undefined;
    child.once("exit", (c) => (code = c ?? -1));
    let sample = 0;
    while (code === undefined) {
      sample++;
      for (const n of names) {
        let text: string;
        try {
          text = onHost(n, "ps -eo args");
        } catch {
          continue; // the host is rebooting
        }
        processLists.push({ where: `${n}'s process list, ${name} sample ${sample}`, data: Buffer.from(text) });
        if (text.split("\n").some((l) => l.trim() === INSTALLER_PAUSE)) installerSeen.set(n, (installerSeen.get(n) ?? 0) + 1);
      }
      processLists.push({ where: `this machine's process list, ${name} sample ${sample}`, data: execFileSync("ps", ["-eo", "args"]) });
      await sleep(150);
    }
    const output = fs.readFileSync(log, "utf8");
    (args.includes("-v=9") ? verboseOutputs : outputs).push({ where: `the output of \`pulumi ${args.join(" ")}\` (${name})`, data: Buffer.from(output) });
    return { code, output };
  }

  const debugCommands = process.env.PULUMI_DEBUG_COMMANDS;

  before(() => {
    requireRoot();
    // --event-log (the engine's events as JSON lines) exists only among pulumi's debug commands
    process.env.PULUMI_DEBUG_COMMANDS = "true";
    hosts = startHosts(...names);
    hosts.forEach((h) => installGroupmax(h, "05-00"));
    credDir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-secretscan-"));
    key = makeKey(credDir, passphrase);
    // ss1: root with this run's key (root may not log in with a password); ss2: deploy with the
    // password only (this run's key is not authorized there), becoming root with sudo
    fs.appendFileSync(path.join(hosts[0].root, "root/.ssh/authorized_keys"), key.publicKey);
    // the password goes to chpasswd through a root-only file, never on a command line
    const pwFile = path.join(hosts[1].root, "root/upchain-password");
    fs.writeFileSync(pwFile, `deploy:${password}\n`, { mode: 0o600 });
    onHost("ss2", "chpasswd < /root/upchain-password; rc=$?; rm -f /root/upchain-password; exit $rc");

    project = new PulumiProject("ss");
    project.init();
    const options = groupmaxOptions({
      installers: {
        objectServer: "bash /var/tmp/gmx6/install.sh object",
        addressServer: "bash /var/tmp/gmx6/install.sh address --update",
        // proves the exact value arrived (its digest, never the value) and runs long enough to be sampled
        mailServer: `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | sha256sum | cut -c1-64 > ${DIGEST_FILE} && ${INSTALLER_PAUSE} && bash /var/tmp/gmx6/install.sh mail --update`,
      },
    });
    project.writeConfig({
      "upchain:servers": hosts.map((h, i) => ({
        name: h.name,
        host: h.host,
        hostKey: h.hostKey,
        user: i === 0 ? "root" : "deploy",
        product: "groupmax",
        version: "06-00",
        versionCommand: GROUPMAX_LAYOUT.versionCommand,
        options,
        lockTimeoutSeconds: 30,
      })),
    });
    ok(["config", "set", "--secret", "--", "upchain:privateKey"], key.privateKey);
    if (encryptedKey) ok(["config", "set", "--secret", "--", "upchain:privateKeyPassphrase"], passphrase);
    ok(["config", "set", "--secret", "--", "upchain:password"], password);
    ok(["config", "set", "--secret", "--path", "--", "upchain:secrets.mailAdminPassword"], secretValue);
  });

  after(() => {
    if (debugCommands === undefined) delete process.env.PULUMI_DEBUG_COMMANDS;
    else process.env.PULUMI_DEBUG_COMMANDS = debugCommands;
    project?.dispose();
    if (credDir) fs.rmSync(credDir, { recursive: true, force: true });
    stopHosts(...names);
  });

  const needles = () => [
    ...needlesFor("the private key", key.privateKey.trimEnd()),
    ...(encryptedKey ? needlesFor("the key's passphrase", passphrase) : []),
    ...needlesFor("the password", password),
    ...needlesFor("the secret option value", secretValue),
    { what: "the secret option value's random part", value: secretTail },
  ];

  it(`runs preview, a failing up with its restore, up, up again and refresh with ${encryptedKey ? "an encrypted key, its passphrase" : "an unencrypted key (no passphrase support yet)"}, a password and a secret option; the installer gets the exact value`, async () => {
    // assertions look at output with the secrets replaced by their names: a failed match prints it
    const preview = redact(ok(["preview", "--diff", ...eventLog("preview")]).output, needles());
    assert.match(preview, /\$UPCHAIN_SECRET_MAILADMINPASSWORD/, "the preview shows the reference, as the options hold it");

    failInstall("ss2", "mail");
    const failing = await runSampling(["up", "--yes", "--skip-preview", "--diff", "--logtostderr", "-v=9", ...eventLog("failing-up")], "failing-up");
    const failed = redact(failing.output, needles());
    assert.notStrictEqual(failing.code, 0, failed);
    assert.match(failed, /STEP_FAILED/);
    assert.match(failed, /installation failed \(injected fault\)/, "the failed step's output is shown");
    assert.match(failed, /the host was restored to 05-00/);
    assert.strictEqual(groupmaxState("ss2").version, "05-00");
    assert.strictEqual(groupmaxState("ss1").version, "06-00", "ss1 (root, key) upgraded in the same run");

    onHost("ss2", "rm -f /var/tmp/groupmax-fail/mail");
    fs.rmSync(path.join(hosts[1].root, DIGEST_FILE.slice(1)), { force: true });
    const up = await runSampling(["up", "--yes", "--skip-preview", "--diff", ...eventLog("up")], "up");
    assert.strictEqual(up.code, 0, redact(up.output, needles()));
    assert.strictEqual(groupmaxState("ss2").version, "06-00", "ss2 (deploy, password) upgraded");

    for (const h of hosts) {
      assert.strictEqual(
        fs.readFileSync(path.join(h.root, DIGEST_FILE.slice(1)), "utf8").trim(),
        sha256(secretValue),
        `${h.name}: the installer read exactly the secret's value from $UPCHAIN_SECRET_MAILADMINPASSWORD`,
      );
    }
    ok(["up", "--yes", "--expect-no-changes", ...eventLog("up-again")]);
    ok(["refresh", "--yes", "--expect-no-changes", ...eventLog("refresh")]);
  });

  it("the process lists sampled on both hosts while the installer that reads the secret ran never show a secret", () => {
    for (const n of names)
      assert.ok((installerSeen.get(n) ?? 0) > 0, `${n}: no process-list sample caught the mail installer step running (${processLists.length} samples)`);
    const hits = scan(needles(), processLists);
    assert.deepStrictEqual(hits, [], `secrets in process lists:\n${hits.join("\n")}`);
  });

  it("the state holds secretEnv and every credential only as ciphertext, and the stack file holds them only encrypted", () => {
    const exported = ok(["stack", "export"]);
    const resources = exportedResources(exported.stdout);
    const servers = resources.filter((r) => r.type === SERVER_TYPE);
    assert.deepStrictEqual(servers.map((r) => r.urn.split("::").pop()).sort(), names);
    const fields = ["secretEnv", "privateKey", "password", ...(encryptedKey ? ["privateKeyPassphrase"] : [])];
    for (const r of servers) {
      for (const side of ["inputs", "outputs"] as const) {
        // `fields` maps the provider's property names to the stack's field names, for messages: its
        // keys may be called secretEnv, its values are names of stack keys, never values
        const names = (r[side]?.fields ?? {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(names)) assert.match(String(v), /^upchain:[\w.[\]"-]+$/, `${r.urn} ${side}.fields.${k} is not a stack key's name`);
        for (const f of fields) {
          const found = propertiesNamed(r[side], f).filter((p) => !p.path.startsWith(".fields."));
          assert.ok(found.length > 0, `${r.urn} ${side} has no ${f}`);
          for (const p of found) assert.ok(isCiphertext(p.value), `${r.urn} ${side}${p.path} is not a secret ciphertext object`);
        }
      }
    }
    const stackFile = fs.readFileSync(project.stackFile, "utf8");
    for (const k of ["privateKey", "password", ...(encryptedKey ? ["privateKeyPassphrase"] : [])]) {
      assert.match(stackFile, new RegExp(`upchain:${k}:\\s*\\n\\s+secure: v1:`), `upchain:${k} is stored encrypted`);
    }
    assert.match(stackFile, /upchain:secrets:\s*\n\s+mailAdminPassword:\s*\n\s+secure: v1:/, "upchain:secrets.mailAdminPassword is stored encrypted");
  });

  it("no secret is in any pulumi output, the state, the stack file, the engine's logs, or the hosts' upchain folders, temp folders, logs and homes; no env file is left", () => {
    // the -v=9 run's log file is the verbose output, looked at in the next test
    const local = fileHaystacks(project.dir, (f) => path.relative(project.dir, f)).filter((h) => h.where !== "failing-up.log");
    assert.ok(
      local.some((h) => h.where.startsWith(".state/") && /\.json$/.test(h.where)),
      "the state was written where it is scanned",
    );
    assert.ok(
      local.some((h) => h.where === "events-failing-up.jsonl" && h.data.length > 0),
      "the engine's event log was written",
    );

    const onHosts: Haystack[] = [];
    for (const h of hosts) {
      for (const dir of ["var/lib/upchain", "var/tmp", "tmp", "var/log", "root", "home", "run"]) {
        onHosts.push(...fileHaystacks(path.join(h.root, dir), (f) => `${h.name}:/${path.relative(h.root, f)}`));
      }
      const upchain = filesUnder(path.join(h.root, "var/lib/upchain")).map((f) => path.relative(path.join(h.root, "var/lib/upchain"), f));
      assert.deepStrictEqual(
        upchain.filter((f) => path.basename(f) === "env"),
        [],
        `${h.name}: env files left in /var/lib/upchain`,
      );
      const stepScripts = upchain.filter((f) => /^runs\/[^/]+\/[^/]+\/script\.sh$/.test(f));
      assert.ok(
        stepScripts.some((f) => fs.readFileSync(path.join(h.root, "var/lib/upchain", f), "utf8").includes("$UPCHAIN_SECRET_MAILADMINPASSWORD")),
        `${h.name}: the step folders (scanned) hold the installer step that references the secret: ${stepScripts.join(", ")}`,
      );
      // a finished run's journal is kept under history/
      assert.ok(
        upchain.some((f) => /^history\/.+\.json$/.test(f)),
        `${h.name}: the journals were scanned: ${upchain.join(", ")}`,
      );
    }

    const hits = scan(needles(), [...outputs, ...local, ...onHosts]);
    assert.deepStrictEqual(hits, [], `secrets found:\n${hits.join("\n")}`);
  });

  it("in pulumi's -v=9 log and its automatic logs under PULUMI_HOME (encrypted at rest) a secret is only in the engine's own traces of resource inputs", () => {
    assert.strictEqual(verboseOutputs.length, 1, "the failing up ran with -v=9");
    const verbose = verboseOutputs[0].data.toString("utf8");
    assert.ok(ENGINE_TRACE.test(verbose), "the -v=9 output has the engine's traces of inputs (what this test looks past)");
    assert.match(
      verbose,
      new RegExp(`upchain (?:${names.join("|")}): `),
      "the -v=9 output has the provider's own log lines (named by each server's name in the stack)",
    );
    const hits = hitsOutsideEngineTrace(needles(), verboseOutputs[0].where, verbose);

    const logDir = path.join(project.dir, ".pulumi-home/logs");
    const stackLogs = filesUnder(logDir).filter((f) => fs.readFileSync(f).subarray(0, 4).toString("latin1") === "PLOG");
    assert.ok(stackLogs.length > 0, `pulumi wrote no stack log under ${logDir}`);
    for (const f of stackLogs) {
      // not through pulumi(): the decrypted text is expected to hold secrets in the engine's trace
      const r = project.run(["logs", "decrypt", "--stack", project.stack, "--", f]);
      assert.strictEqual(r.code, 0, `pulumi logs decrypt ${path.basename(f)} exited ${r.code}`);
      hits.push(...hitsOutsideEngineTrace(needles(), `${path.relative(project.dir, f)} (decrypted)`, r.stdout));
    }
    assert.deepStrictEqual(hits, [], `secrets outside the engine's own traces of inputs:\n${hits.join("\n")}`);
  });
});
