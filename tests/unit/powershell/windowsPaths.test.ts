// Every command a Windows server would receive, recorded by a fake transport (tests/support/recordingHost.ts)
// across each Windows product's preview (the sudo check, the installed version, the update offer, the
// host checks with the PowerShell-version check, the host's files the steps edit, the journal and the
// lock), its file sets (Altazion's phase hooks), the steps of its plan, restore and recovery, and an
// Altazion install attempt with its pool commands. Each must be a PowerShell invocation
// (`powershell -NoProfile -NonInteractive -EncodedCommand …`, as providers/engine/readOnHost.ts sends
// it: no shell quoting on the line, which Windows' OpenSSH shell, cmd.exe, would not read) whose script
// parses with the real grammar and runs no POSIX command. The products come from the catalog registry.
//
// What `pulumi up` does on Windows: the executor refuses a plan with a PowerShell step before it touches
// the host (UNSUPPORTED_PLATFORM, providers/engine/running/executor.ts), so nothing of a run reaches a Windows
// server; the steps below are recorded as the rendered plan would send them, through the same
// invocation as preview's reads (runInItsShell), and a test checks that up sends nothing at all.
//
// The executor's own file steps (engine/running/fileSteps.ts: upload, edit, services-add) reach a Windows
// server in PowerShell too, and preview reads a Windows services file for conflicts as on Linux: the
// recording host answers the services read with a small file, so the step's copy, write, check and
// put-back are all recorded.
//
// What is not fixed yet is in KNOWN_NOT_POWERSHELL: the test fails when one of those is fixed (remove
// it) and when anything new appears, so the list only shrinks.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as http from "http";
import * as net from "net";
import { getCatalog } from "../../../providers/catalogs";
import { Catalog, PlanContext, Step, commandsOf } from "../../../providers/engine/planning/catalog";
import { executePlan } from "../../../providers/engine/running/executor";
import { runHttpStep } from "../../../providers/engine/running/httpStep";
import { edit, servicesAdd, upload } from "../../../providers/engine/running/fileSteps";
import { bootMarker } from "../../../providers/engine/running/reboot";
import { legalTargets, planUpgrade } from "../../../providers/engine/planning/planner";
import { hostChecksFor } from "../../../providers/engine/planning/powershellVersion";
import { hostCheckProblems, precheckPlan } from "../../../providers/engine/planning/precheck";
import { POWERSHELL_FROM_STDIN, runInItsShell } from "../../../providers/engine/readOnHost";
import { main as cli } from "../../../providers/cli";
import { isUpchainError } from "../../../providers/errors";
import { READ_MARK } from "../../../providers/transport/atomicWriteWindows";
import { placeFiles, readFileSet } from "../../../providers/files/impl";
import { assertRoot, readRunState } from "../../../providers/server/hostState";
import { readOffered } from "../../../providers/server/planFromHost";
import { findInstalled } from "../../../providers/server/installed";
import { invocationsOf, parsePowerShell, describeErrors } from "../../support/psParse";
import { RecordingHost, Sent } from "../../support/recordingHost";
import { specsOf, windowsProducts } from "../../support/windowsSpecs";

// ---------------------------------------------------------------------------------------------
// The judge: what makes a line a PowerShell invocation a Windows server runs as meant.

const INVOCATION = /^powershell -NoProfile -NonInteractive -EncodedCommand ([A-Za-z0-9+/]+={0,2})$/;
const fromUtf16 = (b64: string) => Buffer.from(b64, "base64").toString("utf16le");

/** POSIX programs and shell words a Windows server does not have (PowerShell aliases like ls, cat or rm are not used by recipes either). */
const POSIX = new Set([
  "sh",
  "bash",
  "sudo",
  "mkdir",
  "cp",
  "mv",
  "rm",
  "cat",
  "test",
  "[",
  "sed",
  "awk",
  "grep",
  "head",
  "tail",
  "cut",
  "chmod",
  "chown",
  "stat",
  "sync",
  "base64",
  "sha256sum",
  "printf",
  "basename",
  "dirname",
  "ls",
  "id",
  "date",
  "true",
  "find",
  "xargs",
  "tar",
  "umask",
  "cd",
  "set",
  "trap",
  "kill",
  "nohup",
  "setsid",
]);

/** Why `sent` is not a PowerShell invocation that parses and runs no POSIX command; undefined when it is. */
export function notPowerShell(sent: Sent): string | undefined {
  if (/^sudo -n -- sh -c /.test(sent.line)) return "sent through sudo and sh -c";
  if (/^powershell .*-Command /s.test(sent.line)) return "the script is on the line in sh quoting";
  const m = INVOCATION.exec(sent.line);
  if (!m) return "not a PowerShell invocation";
  const outer = fromUtf16(m[1]);
  const script = outer === POWERSHELL_FROM_STDIN ? Buffer.from(sent.stdin ?? "", "base64").toString("utf8") : outer;
  const parsed = parsePowerShell(script);
  if (!parsed.ok) return `does not parse:\n${describeErrors(script, parsed.errors)}`;
  const posix = invocationsOf(script)
    .map((i) => i.name)
    .filter((n) => POSIX.has(n));
  if (posix.length) return `runs POSIX ${[...new Set(posix)].join(", ")}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What each product sends, phase by phase.

const windowsCtx = (catalog: Catalog, spec: ReturnType<typeof specsOf>[number]): PlanContext => ({
  platform: "windows",
  releases: spec.releases ?? [...catalog.defaultReleases],
  options: spec.options?.[0] ?? {},
});

/** How a step reaches the host: its commands as one script in its shell, as readOnHost sends a read. */
async function sendStep(host: RecordingHost, where: string, s: Step): Promise<void> {
  host.from = `${where} step ${s.id}`;
  if (s.commands.length) await runInItsShell(host, { shell: s.shell, command: s.commands.join("\n") });
  // what an action carries besides its commands (an edit's value and validation, an http step's attempts)
  if (s.action !== "reboot") for (const c of commandsOf(s).slice(s.commands.length)) await runInItsShell(host, { shell: s.shell, command: c });
  // what the executor carries out itself, as it would on this host
  host.from = `${where} step ${s.id} (${s.action}, carried out by the executor)`;
  const run = "20261207T000000-abcdef";
  // (the recording host's empty answers make some of them fail part-way: what they sent is what counts)
  const swallow = (p: Promise<unknown>) => p.catch(() => undefined);
  if (s.action === "reboot") await swallow(bootMarker(host, s));
  if (s.action === "upload") await swallow(upload(host, { ...s, source: LOCAL_FILE }));
  if (s.action === "edit") await swallow(edit(host, s, run));
  if (s.action === "services-add") await swallow(servicesAdd(host, s, run));
}

/** A local file for an upload step to send (the step's own source is on the operator's machine). */
const LOCAL_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upchain-windows-")), "package.exe");
fs.writeFileSync(LOCAL_FILE, "MZ");

/** Everything `catalog` sends a Windows server for each of its specs: preview, then the plan's steps, restore and recovery. */
async function record(catalog: Catalog): Promise<Sent[]> {
  // a file set's folder holds a declared hook with other content and one the stack no longer declares,
  // so placing it keeps copies, writes and removes
  const host = new RecordingHost((_line, stdin) => {
    const script = Buffer.from(stdin ?? "", "base64").toString("utf8");
    // a file read as data (the services file at preview and in its step): a small one without the hop's entries
    if (script.includes(`'${READ_MARK} missing'`))
      return { stdout: `${READ_MARK} ${Buffer.from("# services\r\nsmtp            25/tcp\r\n").toString("base64")}\r\n` };
    if (!script.includes("GetFiles()")) return {};
    const entry = (name: string, text: string) => `${Buffer.from(name).toString("base64")} ${Buffer.from(text).toString("base64")}`;
    return { stdout: [entry("avant-ecommerce.ps1", "Write-Output 'old'\n"), entry("apres-ecommerce.ps1", "Write-Output 'gone'\n")].join("\r\n") + "\r\n" };
  });
  const swallow = (p: Promise<unknown>) => p.catch(() => undefined);
  for (const spec of specsOf(catalog)) {
    const ctx = windowsCtx(catalog, spec);
    const sources = [...(spec.sources ?? []), ...ctx.releases];
    const from = sources[0];
    const to = legalTargets(catalog, { installed: from, ...ctx }).slice(-1)[0];
    const plan = planUpgrade(catalog, { installed: from, target: to, ...ctx });
    // preview, in the order checkNow (providers/server/preview.ts) asks
    host.from = "preview: the login becomes root";
    await swallow(assertRoot(host, "Administrator", "windows"));
    host.from = "preview: the installed version";
    await swallow(findInstalled(host, catalog, ctx, {}, catalog.product));
    host.from = "preview: the installed version (the site's versionCommand)";
    if (!catalog.probeVersion) await swallow(findInstalled(host, catalog, ctx, { versionCommand: "Write-Output '1.0'" }, catalog.product));
    host.from = "preview: the update offer";
    await swallow(
      readOffered(
        host,
        catalog,
        { product: catalog.product, platform: "windows", releases: ctx.releases, options: ctx.options, target: to } as Parameters<typeof readOffered>[2],
        from,
      ),
    );
    host.from = "preview: host checks";
    await hostCheckProblems(host, hostChecksFor(catalog, plan.hops, ctx));
    host.from = "preview: the files the steps edit";
    await swallow(precheckPlan(host, plan));
    host.from = "preview: the journal and the lock";
    await swallow(readRunState(host, "windows", catalog.product));
    // the rendered plan, restore and recovery
    for (const s of plan.steps) await sendStep(host, "up", s);
    for (const hop of plan.hops) {
      for (const s of catalog.restoreSteps(hop, ctx)) await sendStep(host, "restore", s);
      for (const s of catalog.recoverSteps?.(hop, ctx) ?? []) await sendStep(host, "recovery", s);
    }
    // the file sets the stack places (Altazion's phase hooks): read at preview, written at up
    for (const name of Object.keys(catalog.fileSets ?? {})) {
      const inputs = {
        product: catalog.product,
        fileSet: name,
        platform: "windows" as const,
        options: ctx.options,
        files: { "avant-ecommerce.ps1": "Write-Output 'hook'\n" },
      };
      host.from = `preview: file set ${name}`;
      await swallow(readFileSet(host, inputs));
      host.from = `up: file set ${name}`;
      await swallow(placeFiles(host, inputs, "20261207T000000-abcdef"));
    }
  }
  return host.sent;
}

/** One line per kind of failure: where it was sent from and why it fails (the first script line of a parse error). */
const failureKey = (s: Sent, why: string) => `${s.from}: ${why.split("\n")[0]}`;

/**
 * What is still sent to a Windows server that is not a PowerShell invocation as it should be, by product:
 * each entry must still fail (fixed ones are removed from here), and nothing else may.
 */
const KNOWN_NOT_POWERSHELL: Record<string, string[]> = {};

describe("every command a Windows server would receive is PowerShell that parses, with no POSIX command", () => {
  describe("the judge itself", () => {
    it("accepts a read as readOnHost sends it, and refuses sh quoting, sudo, a broken script and a POSIX command", async () => {
      const host = new RecordingHost();
      for (const command of ["Write-Output 'x'", "Write-Output 'x", "mkdir -p C:\\x; cp -p a b"]) await runInItsShell(host, { shell: "powershell", command });
      await host.exec("powershell -NoProfile -NonInteractive -Command 'Write-Output x'", { sudo: false });
      await host.exec("Write-Output x", { sudo: true });
      const verdicts = host.sent.map((s) => notPowerShell(s)?.split("\n")[0]);
      assert.deepStrictEqual(verdicts, [
        undefined,
        "does not parse:",
        "runs POSIX mkdir, cp",
        "the script is on the line in sh quoting",
        "sent through sudo and sh -c",
      ]);
    });
  });

  it("checks every product that has a Windows platform (omflow, groupmax, oracle-as and altazion-office at least)", () => {
    const names = windowsProducts.map((c) => c.product);
    for (const p of ["omflow", "groupmax", "oracle-as", "altazion-office"]) assert.ok(names.includes(p), `${p} in ${names.join(", ")}`);
  });

  for (const catalog of windowsProducts) {
    it(`${catalog.product}: preview, file sets, up, restore and recovery send only PowerShell (the known exceptions aside)`, async function () {
      this.timeout(120_000);
      const sent = await record(catalog);
      assert.ok(
        sent.some((s) => s.from.startsWith("preview")) && sent.some((s) => s.from.startsWith("up")),
        `${catalog.product}: nothing recorded for preview or up`,
      );
      for (const set of Object.keys(catalog.fileSets ?? {})) {
        for (const [phase, what] of [
          ["preview", "read"],
          ["up", "written"],
        ]) {
          assert.ok(
            sent.some((s) => s.from === `${phase}: file set ${set}` && s.kind === "exec"),
            `${catalog.product}: file set ${set} was not ${what} on Windows`,
          );
        }
        const placed = sent.filter((s) => s.from === `up: file set ${set}`).map((s) => Buffer.from(s.stdin ?? "", "base64").toString("utf8"));
        for (const [what, mark] of [
          ["copies kept", "[IO.File]::Copy("],
          ["a file written", "[IO.File]::Replace("],
          ["a file removed", "[IO.File]::Delete("],
        ]) {
          assert.ok(
            placed.some((p) => p.includes(mark)),
            `${catalog.product}: placing file set ${set} on Windows has ${what}`,
          );
        }
      }
      // the executor's file steps write through a checked temp file, and a services file is read at preview
      const scriptsFrom = (from: string) => sent.filter((x) => x.from === from).map((x) => Buffer.from(x.stdin ?? "", "base64").toString("utf8"));
      const fileSteps = [...new Set(sent.filter((x) => / \((upload|services-add|edit), carried out by the executor\)$/.test(x.from)).map((x) => x.from))];
      for (const from of fileSteps) {
        assert.ok(
          scriptsFrom(from).some((t) => t.includes("[Security.Cryptography.SHA256]::Create()") && /\[IO\.File\]::(Replace|Move)\(\$tmp, \$target/.test(t)),
          `${catalog.product}: ${from} writes through a checked temp file`,
        );
      }
      if (fileSteps.some((f) => f.includes("(services-add,"))) {
        assert.ok(
          scriptsFrom("preview: the files the steps edit").some((t) => t.includes(READ_MARK)),
          `${catalog.product}: preview reads the Windows services file`,
        );
      }
      const failures = new Map<string, string>();
      for (const s of sent) {
        const why = notPowerShell(s);
        if (why && !failures.has(failureKey(s, why))) failures.set(failureKey(s, why), `${failureKey(s, why)}\n  ${s.line.slice(0, 300)}\n${why}`);
      }
      const known = KNOWN_NOT_POWERSHELL[catalog.product] ?? [];
      const found = [...failures.keys()].sort();
      assert.deepStrictEqual(
        found,
        [...known].sort(),
        `what fails is not the known list (fixed: remove it from KNOWN_NOT_POWERSHELL; new: fix it):\n${[...failures.values()].join("\n")}`,
      );
    });
  }

  it("a Windows login that is not an administrator is refused at connection.user, saying what to do", async () => {
    const host = new RecordingHost(() => ({ stdout: "False\r\n" }));
    await assert.rejects(assertRoot(host, "deploy", "windows"), (e: Error & { path?: string[] }) => {
      assert.match(e.message, /the Windows user deploy is not one in its SSH session .*Connect as a member of the local Administrators group/);
      assert.deepStrictEqual(e.path, ["connection", "user"]);
      return true;
    });
    assert.deepStrictEqual(
      host.sent.map((s) => notPowerShell(s)),
      [undefined],
    );
    await assertRoot(new RecordingHost(() => ({ stdout: "True\r\n" })), "Administrator", "windows");
  });

  it("up on Windows sends nothing: the executor refuses a PowerShell plan before it touches the host, saying why and how to go on by hand", async () => {
    const catalog = getCatalog("omflow");
    const options = specsOf(catalog)[0].options?.[0] ?? {};
    const ctx: PlanContext = { platform: "windows", releases: [...catalog.defaultReleases], options };
    const plan = planUpgrade(catalog, { installed: catalog.defaultReleases[0], target: catalog.defaultReleases.slice(-1)[0], ...ctx });
    const host = new RecordingHost();
    let advice = "";
    await assert.rejects(executePlan({ host, catalog, plan, resource: "omflow" } as unknown as Parameters<typeof executePlan>[0]), (e: unknown) => {
      assert.ok(isUpchainError(e, "UNSUPPORTED_PLATFORM"), String(e));
      assert.match(
        e.message,
        /runs no step on Windows: the run's journal, its lock and the runner of its detached steps are POSIX sh, so nothing was sent to the host/,
      );
      const m = /`(upchain plan omflow --from \S+ --to \S+ --platform windows --options) <the server's options as a JSON file>`/.exec(e.message);
      assert.ok(m, e.message);
      advice = m[1];
      return true;
    });
    assert.deepStrictEqual(host.sent, []);
    // the advice works as written: the plan with every step's PowerShell and the restore steps
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upchain-runbook-")), "server-options.json");
    fs.writeFileSync(file, JSON.stringify(options));
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await cli([...advice.split(" ").slice(1), file]);
    } finally {
      process.stdout.write = write;
    }
    assert.strictEqual(code, 0);
    const text = out.join("");
    assert.match(text, /PS> Start-Service/);
    assert.match(text, /if a step of this hop fails/);
    assert.match(text, /upload .* -> C:\\/);
  });

  describe("Altazion's install attempt with its pools stopped", () => {
    let server: http.Server;
    let port = 0;
    before(async () => {
      // a portal that keeps the module listed (with the hidden token the spec's form sends back): every
      // attempt runs, the last one with the pools stopped
      server = http.createServer((req, res) => {
        req.resume();
        const page = '<input type="hidden" name="pageToken" value="t1"><tr data-module="ecommerce"><tr data-module="gestioncommerciale">';
        req.on("end", () =>
          req.method === "POST" ? res.writeHead(303, { location: "/" }).end() : res.writeHead(200, { "content-type": "text/html" }).end(page),
        );
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      port = (server.address() as net.AddressInfo).port;
    });
    after(() => server.close());

    it("stops and starts the IIS pools in PowerShell, through the same invocation as every other command", async function () {
      this.timeout(60_000);
      const catalog = getCatalog("altazion-office");
      const spec = specsOf(catalog)[0];
      const ctx = windowsCtx(catalog, spec);
      const from = spec.sources![0];
      const plan = planUpgrade(catalog, { installed: from, target: ctx.releases.slice(-1)[0], ...ctx });
      const install = plan.steps.find((s) => s.action === "http" && s.attempts.some((a) => (a.before?.length ?? 0) > 1));
      assert.ok(install && install.action === "http", "the plan has an install step with a pools attempt");
      const host = new RecordingHost(undefined, async () => net.connect(port, "127.0.0.1"));
      host.from = "up: the install attempts";
      await runHttpStep(host, { ...install, port, attempts: install.attempts.map((a) => ({ ...a, waitSeconds: 0 })) }, {
        deadlineMs: 30_000,
        log: () => undefined,
        sleep: async () => undefined,
      } as Parameters<typeof runHttpStep>[2]);
      const pools = host.sent.filter((s) => s.kind === "exec");
      assert.ok(pools.length >= 4, `the pool commands were sent: ${pools.map((s) => s.line).join("\n")}`);
      assert.deepStrictEqual(pools.map((s) => notPowerShell(s)).filter(Boolean), []);
    });
  });
});
