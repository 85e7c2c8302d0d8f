// One run at a time per server and resource: a lock directory on the host (mkdir is atomic), with
// the owner's run id and a heartbeat. A lock whose heartbeat is older than `staleSeconds` belongs to
// a run that died (a killed `pulumi up`) and is taken over. A lock found held is watched rather
// than refused at once: a run killed seconds ago leaves a lock that goes stale while the next run
// waits, whereas a live holder keeps moving its heartbeat and is refused as soon as it does.
import { UpchainError } from "../errors";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";

export interface HostLock {
  heartbeat(): Promise<void>;
  release(): Promise<void>;
  /** The run whose stale lock this one took over, if any. */
  tookOverFrom?: string;
}

export async function acquireLock(
  host: RemoteHost,
  stateDir: string,
  resource: string,
  run: string,
  staleSeconds: number,
  pollMs = 2000,
): Promise<HostLock> {
  const dir = `${stateDir}/${resource}.lock`;
  const owner = `${dir}/owner`;
  const script = [
    `mkdir -p ${q(stateDir)} && chmod 700 ${q(stateDir)}`,
    `now=$(date +%s)`,
    `if mkdir ${q(dir)} 2>/dev/null; then echo "${run} $now" > ${q(owner)}; echo acquired; exit 0; fi`,
    `read -r who beat < ${q(owner)} 2>/dev/null || { who=unknown; beat=0; }`,
    `if [ $((now - beat)) -gt ${staleSeconds} ]; then echo "${run} $now" > ${q(owner)}; echo "took-over $who"; exit 0; fi`,
    `echo "held $who $((now - beat)) $beat"`,
  ].join("\n");
  let firstBeat: string | undefined;
  const deadline = Date.now() + (staleSeconds + 5) * 1000;
  for (;;) {
    const r = await host.exec(script, { sudo: true });
    const [word, who, age, beat] = r.stdout.trim().split(/\s+/);
    if (r.code === 0 && (word === "acquired" || word === "took-over")) {
      return lockHandle(host, owner, dir, run, word === "took-over" ? who : undefined);
    }
    firstBeat ??= beat;
    const alive = r.code !== 0 || word !== "held" || beat !== firstBeat;
    if (alive || Date.now() > deadline) {
      throw new UpchainError(
        "LOCKED",
        `${host.label}: another upchain run (${who ?? "unknown"}) is working on ${resource}; its last heartbeat was ${age ?? "?"}s ago. ` +
          `Wait for it to finish; if it died, its lock is taken over ${staleSeconds}s after that heartbeat.`,
      );
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

function lockHandle(host: RemoteHost, owner: string, dir: string, run: string, tookOverFrom: string | undefined): HostLock {
  const mine = async (cmd: string) => {
    await host.exec(`read -r who beat < ${q(owner)} 2>/dev/null; if [ "$who" = ${q(run)} ]; then ${cmd}; fi`, { sudo: true });
  };
  return {
    tookOverFrom,
    heartbeat: () => mine(`echo "${run} $(date +%s)" > ${q(owner)}`),
    release: () => mine(`rm -rf ${q(dir)}`),
  };
}
