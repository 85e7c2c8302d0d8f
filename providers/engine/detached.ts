// Long steps must not die with the SSH connection: each step's script runs detached on the host
// (setsid, output and exit status to files) and is polled. A dropped connection or a killed
// controller leaves it running; the next run finds its exit status in the step's directory.
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";

export interface DetachedResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function startDetached(host: RemoteHost, dir: string, script: string): Promise<void> {
  await host.exec(`mkdir -p ${q(dir)} && rm -f ${q(dir + "/rc")}`, { sudo: true });
  await host.writeFile(`${dir}/script.sh`, `set -e\n${script}\n`, 0o700);
  const launch =
    `cd ${q(dir)} && setsid sh -c 'echo $$ > pid; sh ./script.sh > out 2> err; echo $? > rc.tmp; mv rc.tmp rc' ` +
    `< /dev/null > /dev/null 2>&1 &`;
  const r = await host.exec(launch, { sudo: true });
  if (r.code !== 0) throw new Error(`could not start the step on ${host.label}: ${r.stderr.trim()}`);
}

export type StepState = { state: "finished"; code: number } | { state: "running" } | { state: "lost" } | { state: "not-started" };

/**
 * Finished (with its exit status), still running, lost (its process died without an exit status), or
 * not started (a controller killed between writing the journal and launching the step left no pid).
 */
export async function stepState(host: RemoteHost, dir: string): Promise<StepState> {
  const r = await host.exec(
    `cd ${q(dir)} 2>/dev/null || { echo lost; exit 0; }; ` +
      `if [ -f rc ]; then echo "finished $(cat rc)"; elif [ -f pid ] && kill -0 "$(cat pid)" 2>/dev/null; then echo running; ` +
      `else sleep 1; if [ -f rc ]; then echo "finished $(cat rc)"; elif [ -f pid ]; then echo lost; else echo not-started; fi; fi`,
    { sudo: true },
  );
  const [word, code] = r.stdout.trim().split(/\s+/);
  if (word === "finished") return { state: "finished", code: Number(code) };
  if (word === "not-started") return { state: "not-started" };
  return word === "running" ? { state: "running" } : { state: "lost" };
}

/** Poll until the step finishes, passing new output to `onOutput` as it appears. */
export async function waitDetached(
  host: RemoteHost,
  dir: string,
  opts: { pollMs: number; onOutput?: (text: string) => void; onPoll?: () => Promise<void> },
): Promise<DetachedResult | "lost" | "not-started"> {
  let shown = 0;
  for (;;) {
    const s = await stepState(host, dir);
    const out = await host.exec(`tail -c +${shown + 1} ${q(dir + "/out")} 2>/dev/null || true`, { sudo: true });
    if (out.stdout) {
      shown += Buffer.byteLength(out.stdout);
      opts.onOutput?.(out.stdout);
    }
    if (s.state === "lost" || s.state === "not-started") return s.state;
    if (s.state === "finished") {
      const all = await host.exec(`cat ${q(dir + "/out")}; printf '\\0'; cat ${q(dir + "/err")}`, { sudo: true });
      const [stdout, stderr = ""] = all.stdout.split("\0");
      return { code: s.code, stdout, stderr };
    }
    await opts.onPoll?.();
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}
