// Drives the real pulumi CLI against a throwaway project and local file backend, the way Pulumi's
// ProgramTest does: each test gets its own state directory, stack and config.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "../../..");

export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions that do not care which stream. */
  output: string;
}

export function engineEnv(): NodeJS.ProcessEnv {
  const bin = process.env.UPCHAIN_ENGINE_PATH;
  if (!bin) {
    throw new Error("UPCHAIN_ENGINE_PATH is not set: run the tests with `npm test` (scripts/test.sh builds or finds the pulumi CLI and sets it)");
  }
  return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
}

/** `dir`/node_modules: each of this checkout's packages by symlink, and upchain itself. */
export function linkNodeModules(dir: string): void {
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(repoRoot, "node_modules"))) {
    if (!entry.startsWith(".")) fs.symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry));
  }
  fs.symlinkSync(repoRoot, path.join(modules, "upchain"));
}

export class PulumiProject {
  dir: string;
  stateDir: string;
  readonly passphrase = "upchain-test-passphrase";
  /** Where the state lives: this project's own folder unless `shareState` points it elsewhere. */
  private backendUrl: string;
  private passphraseFile?: string;
  private secretEnv: Record<string, string> = {};

  /** With `programJs` null the directory is left empty but for the state: the test writes its own program. */
  constructor(
    readonly stack: string,
    programJs: string | null = `module.exports = require("upchain/dist/stacks/index.js");\n`,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-e2e-"));
    this.stateDir = path.join(this.dir, ".state");
    fs.mkdirSync(this.stateDir);
    this.backendUrl = `file://${this.stateDir}`;
    if (programJs === null) return;
    // The project runs the compiled program of this checkout, found as a user's program finds an
    // installed upchain: node_modules/upchain (a symlink to the checkout). The other packages are
    // this checkout's, by symlink, so @pulumi/pulumi resolves to one module instance.
    fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), "name: upchain-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n");
    fs.writeFileSync(path.join(this.dir, "index.js"), programJs);
    fs.writeFileSync(path.join(this.dir, "package.json"), '{"name":"upchain-e2e","private":true}\n');
    linkNodeModules(this.dir);
  }

  /**
   * Keep the state in a backend a team shares (e.g. `postgres://...`) and read the stack's passphrase
   * from a file the team shares, as a user of that backend would. `secretEnv` (e.g. PGPASSWORD) is
   * passed to pulumi; its values and the URL's password are masked in the errors `ok` throws.
   */
  shareState(backendUrl: string, passphraseFile: string, secretEnv: Record<string, string> = {}): void {
    this.backendUrl = backendUrl;
    this.passphraseFile = passphraseFile;
    this.secretEnv = secretEnv;
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...engineEnv() };
    delete env.PULUMI_CONFIG_PASSPHRASE; // it would win over a passphrase file
    return {
      ...env,
      PULUMI_BACKEND_URL: this.backendUrl,
      ...(this.passphraseFile ? { PULUMI_CONFIG_PASSPHRASE_FILE: this.passphraseFile } : { PULUMI_CONFIG_PASSPHRASE: this.passphrase }),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: path.join(this.dir, ".pulumi-home"),
      ...this.secretEnv,
    };
  }

  /** Start pulumi in the background, in its own process group (so a test can kill all of it); output goes to `log`. */
  /** launcher: a command that execs the rest (the bench's cgroup launcher), or none. */
  start(args: string[], log: string, launcher: string[] = []): ChildProcess {
    const fd = fs.openSync(log, "w");
    const [cmd, ...rest] = [...launcher, "pulumi", ...flagsFirst(args)];
    return spawn(cmd, rest, { cwd: this.dir, env: this.env(), stdio: ["ignore", fd, fd], detached: true });
  }

  /**
   * Run pulumi without blocking this process (a test's load loop keeps sending meanwhile); resolves
   * with its exit code and output.
   */
  runAsync(args: string[]): Promise<PulumiResult> {
    const log = path.join(this.dir, `pulumi-${Date.now()}-${Math.random().toString(16).slice(2)}.log`);
    const child = this.start(args, log);
    return new Promise((resolve) => {
      child.on("exit", (code) => {
        const output = fs.readFileSync(log, "utf8");
        resolve({ code: code ?? -1, stdout: output, stderr: "", output });
      });
    });
  }

  run(args: string[], input?: string): PulumiResult {
    const r = spawnSync("pulumi", [...flagsFirst(args)], {
      cwd: this.dir,
      input,
      encoding: "utf8",
      env: this.env(),
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60 * 1000,
    });
    const stdout = r.stdout ?? "";
    const stderr = r.stderr ?? "";
    return { code: r.status ?? -1, stdout, stderr, output: stdout + stderr };
  }

  /** Run and require success; a failure shows the whole output. */
  ok(args: string[], input?: string): PulumiResult {
    const r = this.run(args, input);
    if (r.code !== 0) throw new Error(this.masked(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.output}`));
    return r;
  }

  /** `text` with the backend URL's password and the secret environment's values masked. */
  masked(text: string): string {
    const secrets = [new URL(this.backendUrl).password, ...Object.values(this.secretEnv)].filter(Boolean);
    return secrets.reduce((t, s) => t.split(s).join("****"), text);
  }

  init(): void {
    this.ok(["stack", "init", this.stack, "--secrets-provider", "passphrase"]);
  }

  setConfig(key: string, value: string, secret = false): void {
    this.ok(["config", "set", ...(secret ? ["--secret"] : []), "--", key], value);
  }

  get stackFile(): string {
    return path.join(this.dir, `Pulumi.${this.stack}.yaml`);
  }

  /** Replace the stack's plain config (JSON is YAML), keeping the salt `stack init` wrote. */
  writeConfig(config: Record<string, unknown>): void {
    const salt = fs.existsSync(this.stackFile)
      ? fs
          .readFileSync(this.stackFile, "utf8")
          .split("\n")
          .filter((l) => l.startsWith("encryptionsalt:"))
      : [];
    const body = Object.entries(config).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
    fs.writeFileSync(this.stackFile, [...salt, "config:", ...body, ""].join("\n"));
  }

  /** Every state file the local backend wrote for this project, as text. */
  stateText(): string {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(this.stateDir);
    return out.join("\n");
  }

  /** Move the whole project (program, state, Pulumi home) elsewhere, as a user moves a checkout. */
  moveTo(dir: string): void {
    fs.renameSync(this.dir, dir);
    const ownState = this.backendUrl === `file://${this.stateDir}`;
    this.dir = dir;
    this.stateDir = path.join(dir, ".state");
    if (ownState) this.backendUrl = `file://${this.stateDir}`;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Global flags go before a `--` separator, which ends flag parsing. */
function flagsFirst(args: string[]): string[] {
  const common = ["--non-interactive", "--color", "never"];
  const sep = args.indexOf("--");
  return sep < 0 ? [...args, ...common] : [...args.slice(0, sep), ...common, ...args.slice(sep)];
}

/**
 * Kill a process and every process it started, wherever their process groups are. The CLI starts
 * its plugins (the dynamic provider among them) in process groups of their own, so killing the CLI's
 * group leaves the provider running and still upgrading; a crashed controller machine kills them all.
 */
export function killTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of spawnSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" }).stdout.split("\n")) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (p && pp !== undefined) children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  // stop them all first, so none can start another process or write to the host in between
  for (const p of all) {
    try {
      process.kill(p, "SIGSTOP");
    } catch {
      /* already gone */
    }
  }
  for (const p of all) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return all;
}

/** The run's error lines, once each: what a failed assertion on a run's output should show first. */
export function runErrors(output: string): string {
  const lines = output
    .split("\n")
    .filter((l) => /\berror:/.test(l))
    .map((l) => l.trim());
  return [...new Set(lines)].join("\n").slice(0, 8000) || "(the run printed no error line)";
}
