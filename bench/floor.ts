// The floor: upchain's own step scripts, taken from its planner and catalog (dist/providers), sent as
// ONE plain OpenSSH session per host (`ssh ... sh -s`, the script on stdin, the patch archives embedded
// as base64), all hosts at once, no orchestration. What the work costs at minimum. The script prints
// a timestamp around each step, so the profile can compare upchain's per-step time with this one.
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import { omflow } from "../providers/catalogs/omflow";
import { PlannedStep, planUpgrade } from "../providers/engine/planning/planner";
import { TestHost } from "../tests/support/hosts";
import { START_VERSION, TARGET_VERSION } from "./fleet";

export interface StepTime {
  hop: string;
  id: string;
  seconds: number;
}

/**
 * The steps upchain runs on a host at START_VERSION for the stack's OMFLOW options and its
 * versionCommand (which adds a check after each hop's verify that the command prints the hop's target).
 */
export function plannedSteps(options: Record<string, unknown>, versionCommand: string): PlannedStep[] {
  return planUpgrade(omflow, { installed: START_VERSION, target: TARGET_VERSION, platform: "linux", options, versionCommand }).steps;
}

/** Where the resumable floor keeps its journal on the host. */
export const FLOOR_JOURNAL = "/var/lib/upchain-floor/journal";

/**
 * The least a run must do to be resumable after a crash: after each step, record the next step's
 * index durably, as upchain's journal write does (a temp file, synced, renamed over the journal, the
 * folder synced). One such write per step; upchain writes two (the step in flight, then the next).
 */
export function journalWrite(next: number, file: string): string[] {
  const dir = dirOf(file);
  return [
    `printf '{"next":%d}\\n' ${next} > '${file}.tmp' && sync -- '${file}.tmp' && mv -f -T -- '${file}.tmp' '${file}' && { sync -- '${dir}' 2>/dev/null || :; } || exit 1`,
  ];
}

/**
 * One sh script for the whole chain; with a journal file, the resumable floor's. A step runs as upchain runs it (its commands joined by newlines
 * after `set -e`, in a sh of its own); an upload writes the file and checks its sha256, as upchain's
 * executor does. `@@` lines carry the host's clock in ns around each step.
 */
export function floorScript(steps: PlannedStep[], journal?: string): string {
  const out = ["set -u", "cd /tmp", 'mark() { echo "@@ $1 $2 $(date +%s%N) ${3:-}"; }'];
  if (journal) out.push(`mkdir -p -m 0700 -- '${dirOf(journal)}'`);
  steps.forEach((s, i) => {
    out.push(`mark ${i} start`);
    if (s.action === "upload") {
      const src = String(s.source);
      const dest = String(s.destination);
      const data = fs.readFileSync(src);
      const sha = createHash("sha256").update(data).digest("hex");
      out.push(
        `( set -e; mkdir -p '${dirOf(dest)}'; base64 -d > '${dest}' <<'UPCHAIN_B64'`,
        data
          .toString("base64")
          .replace(/.{1,76}/g, "$&\n")
          .trimEnd(),
        "UPCHAIN_B64",
        `echo '${sha}  ${dest}' | sha256sum -c --quiet - )`,
      );
    } else if (s.action === "run" || s.action === "backup" || s.action === "verify") {
      const delim = `UPCHAIN_STEP_${i}`;
      out.push(`sh <<'${delim}'`, "set -e", ...s.commands, delim);
    } else {
      throw new Error(`the floor has no rendering for a ${s.action} step (${s.hop} ${s.id})`);
    }
    out.push(`rc=$?; [ $rc -eq 0 ] || { mark ${i} end $rc; exit $rc; }`);
    // inside the step's time, as upchain's journal write is inside its
    if (journal) out.push(...journalWrite(i + 1, journal));
    out.push(`mark ${i} end 0`);
  });
  return out.join("\n") + "\n";
}

// paths in the OMFLOW chain are plain (no quote inside); refuse anything else rather than mis-quote it
function dirOf(p: string): string {
  if (/['\n]/.test(p)) throw new Error(`unexpected path ${p}`);
  return p.replace(/\/[^/]*$/, "") || "/";
}

export function sshArgs(h: TestHost, knownHosts: string): string[] {
  return [
    "-o",
    "BatchMode=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "HostKeyAlgorithms=ssh-ed25519",
    "-i",
    h.privateKeyFile,
    "-p",
    String(h.port),
    `${h.user}@${h.host}`,
  ];
}

/** Run the script on every host at once (each ssh through the launcher, if any); resolves with each host's per-step times (the host's clock). */
export async function runFloor(hosts: TestHost[], steps: PlannedStep[], knownHosts: string, journal?: string, launcher: string[] = []): Promise<StepTime[][]> {
  const script = floorScript(steps, journal);
  return Promise.all(
    hosts.map(
      (h) =>
        new Promise<StepTime[]>((resolve, reject) => {
          const [cmd, ...args] = [...launcher, "ssh", ...sshArgs(h, knownHosts), "sh -s"];
          const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
          let out = "";
          let err = "";
          p.stdout.on("data", (d) => (out += d));
          p.stderr.on("data", (d) => (err += d));
          p.on("error", reject);
          p.on("exit", (code) => {
            if (code !== 0) return reject(new Error(`floor on ${h.name} exited ${code}:\n${err.slice(-2000)}\n${out.slice(-2000)}`));
            resolve(stepTimes(out, steps));
          });
          p.stdin.end(script);
        }),
    ),
  );
}

function stepTimes(out: string, steps: PlannedStep[]): StepTime[] {
  const start = new Map<number, bigint>();
  const times: StepTime[] = [];
  for (const line of out.split("\n")) {
    const m = line.match(/^@@ (\d+) (start|end) (\d+)/);
    if (!m) continue;
    const i = Number(m[1]);
    if (m[2] === "start") start.set(i, BigInt(m[3]));
    else times.push({ hop: steps[i].hop, id: steps[i].id, seconds: Number(BigInt(m[3]) - start.get(i)!) / 1e9 });
  }
  return times;
}
