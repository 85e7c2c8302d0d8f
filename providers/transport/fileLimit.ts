// The provider process's open-file limit against the fleet it serves. Every server it checks or
// upgrades holds one SSH connection, a socket, for as long as it does; one Node process serving a
// fleet holds about N + 40 files. Where the soft limit is 1024 that ends in EMFILE near 1,000
// servers, in the middle of a run: a connection that cannot be opened, or worse a journal read that
// fails. So the fleet is weighed against the limit before anything runs, at preview.
//
// Node itself raises its soft limit to the hard one at start-up (node.cc, PlatformInit), so the soft
// limit of the shell that ran pulumi rarely binds; should it still be lower than the fleet needs
// (another Node build, a runtime that does not), the process raises it here with prlimit(1), which
// allows any process to raise its own soft limit up to its hard one (Node has no setrlimit). The
// hard limit only root may raise: where that is too low, preview refuses with what to do.
import { execFileSync } from "child_process";
import * as fs from "fs";
import { UpchainError } from "../errors";

/** The files of the process's own: stdio, the engine's gRPC, Node's event loop and workers, module loads (~40 measured), with room. */
export const OWN_FILES = 64;
/** One SSH connection per server at a time (a reboot's reconnect replaces it; a cluster member's balancer is shared by its pool). */
export const FILES_PER_SERVER = 1;

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

export const openFilesNeeded = (servers: number): number => OWN_FILES + servers * FILES_PER_SERVER;
/** How many servers fit under a limit of `files` open files. */
export const serversWithin = (files: number): number => Math.max(0, Math.floor((files - OWN_FILES) / FILES_PER_SERVER));

/** The "Max open files" line of /proc/<pid>/limits; undefined where there is none (not Linux). */
export function parseOpenFileLimit(limits: string): OpenFileLimit | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!m) return undefined;
  const n = (v: string) => (v === "unlimited" ? Infinity : Number(v));
  const [soft, hard] = [n(m[1]), n(m[2])];
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

export type LimitDecision = { action: "fits" } | { action: "raise"; to: number } | { action: "refuse"; needed: number };

/** What a fleet of `servers` needs done about `limit`: nothing, the soft limit raised (to the hard one), or a refusal. */
export function decide(servers: number, limit: OpenFileLimit): LimitDecision {
  const needed = openFilesNeeded(servers);
  if (needed <= limit.soft) return { action: "fits" };
  if (needed <= limit.hard) return { action: "raise", to: limit.hard };
  return { action: "refuse", needed };
}

/** The refusal: the fleet's size, the limit, and how to raise it (or split the fleet). */
export function limitMessage(servers: number, limit: OpenFileLimit, raiseFailed?: string): string {
  const needed = openFilesNeeded(servers);
  const fits = serversWithin(raiseFailed ? limit.soft : limit.hard);
  const what = `${servers} servers need about ${needed} open files in the provider process (one SSH connection each, and ${OWN_FILES} of its own)`;
  const split = `or split the fleet into stacks of at most ${fits} servers each, run one after the other or by several controllers (docs/fleets.md)`;
  if (raiseFailed) {
    return `${what}, but its soft limit is ${limit.soft} and raising it to the hard limit (${limit.hard}) failed: ${raiseFailed}. Raise it in the shell that runs pulumi, with \`ulimit -Sn ${needed}\`, and run pulumi again; ${split}.`;
  }
  return (
    `${what}, but its hard limit is ${limit.hard}, which only root can raise. Raise it and run pulumi again: as root in the shell that runs pulumi, ` +
    `\`ulimit -Hn ${needed}; ulimit -Sn ${needed}\`; for a login user, a line '<user> hard nofile ${needed}' in /etc/security/limits.conf and a new login; ` +
    `for a systemd service LimitNOFILE=${needed}, for a container --ulimit nofile=${needed}:${needed}; ${split}.`
  );
}

export interface LimitAccess {
  read: () => OpenFileLimit | undefined;
  /** Set this process's soft limit; throws with why when it cannot. */
  raiseSoft: (to: number, hard: number) => void;
}

export const ownProcess: LimitAccess = {
  read: () => (fs.existsSync("/proc/self/limits") ? parseOpenFileLimit(fs.readFileSync("/proc/self/limits", "utf8")) : undefined),
  raiseSoft: (to, hard) => {
    const h = hard === Infinity ? "unlimited" : String(hard);
    try {
      execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${to}:${h}`], { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      throw new Error(err.code === "ENOENT" ? "prlimit is not installed (util-linux)" : (err.stderr?.toString().trim() || err.message).split("\n")[0]);
    }
  },
};

/**
 * Make room for `servers` connections in this process: nothing when the limit allows them, the soft
 * limit raised when the hard one does, and otherwise the error preview shows. A platform with no
 * /proc/self/limits is left alone.
 */
export function ensureOpenFiles(servers: number, access: LimitAccess = ownProcess): UpchainError | undefined {
  const limit = access.read();
  if (!limit) return undefined;
  const d = decide(servers, limit);
  if (d.action === "fits") return undefined;
  const refused = (raiseFailed?: string) => new UpchainError("TOO_MANY_OPEN_FILES", limitMessage(servers, limit, raiseFailed), ["connection"]);
  if (d.action === "refuse") return refused();
  try {
    access.raiseSoft(d.to, limit.hard);
  } catch (e) {
    return refused((e as Error).message);
  }
  // checked, not assumed: a raise that did not take is as good as none
  const now = access.read();
  if (!now || now.soft < openFilesNeeded(servers)) return refused(`the soft limit is ${now?.soft ?? "unreadable"} afterwards`);
  return undefined;
}

const seen = new Set<string>();

/**
 * A server this process connects to: counted once by its address, and refused when the process
 * cannot hold that many connections. A fleet with a LookAhead is weighed whole before any server.
 */
export function countServer(address: string, access: LimitAccess = ownProcess, counted: Set<string> = seen): UpchainError | undefined {
  counted.add(address);
  return ensureOpenFiles(counted.size, access);
}
