// Test-side handle on the real test hosts (tests/hosts/testhost.sh): start, reset, stop, inspect.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const harness = path.resolve(__dirname, "../../../tests/hosts/testhost.sh");

export interface TestHost {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyFile: string;
  hostKey: string;
  /** The host's root filesystem as seen from this machine (its overlay mount). */
  root: string;
}

function run(args: string[]): string {
  try {
    return execFileSync("bash", [harness, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 512 * 1024 * 1024 });
  } catch (e) {
    const failed = e as Error & { stderr?: string };
    throw new Error(`testhost.sh ${args.join(" ")} failed: ${failed.stderr || failed.message}`);
  }
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("the acceptance tests start network namespaces and overlay mounts: run them as root");
  for (const [cmd, pkg] of [
    ["debootstrap", "debootstrap"],
    ["ip", "iproute2"],
    ["ssh-keygen", "openssh-client"],
    ["unshare", "util-linux"],
  ]) {
    try {
      execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    } catch {
      throw new Error(`${cmd} is missing: install it with 'apt-get install -y ${pkg}' (or run .ci/run, which installs everything)`);
    }
  }
}

/** Start pristine hosts: whatever an earlier, interrupted run left under the same names is wiped first. */
export function startHosts(...names: string[]): TestHost[] {
  run(["down", ...names.map((n) => n.split(":")[0])]);
  run(["up", ...names]);
  return names.map((n) => hostInfo(n.split(":")[0]));
}

/**
 * This machine's end of the host's network link: the harness names it `uc<index>` by the host's index
 * (kept beside the host's root), which is the address's last byte only below 256.
 */
export function linkOf(h: TestHost): string {
  const index = fs.readFileSync(path.join(path.dirname(h.root), "index"), "utf8").trim();
  if (!/^\d+$/.test(index)) throw new Error(`${h.name}: the harness's index file holds ${JSON.stringify(index)}`);
  return `uc${index}`;
}

export function hostInfo(name: string): TestHost {
  return JSON.parse(run(["info", name]));
}

export function resetHost(name: string): TestHost {
  run(["reset", name]);
  return hostInfo(name);
}

export function stopHosts(...names: string[]): void {
  if (names.length) run(["down", ...names]);
}

/** Run a command inside a host through the harness's side channel (not over SSH). */
export function onHost(name: string, script: string): string {
  return run(["exec", name, "sh", "-c", script]);
}

export function privateKey(h: TestHost): string {
  return fs.readFileSync(h.privateKeyFile, "utf8");
}
