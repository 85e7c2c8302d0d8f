// One run at a time per server and resource: a lock directory on the host (mkdir is atomic), with
// the owner's run id and a heartbeat. A lock whose heartbeat is older than `staleSeconds` belongs to
// a run that died (a killed `pulumi up`) and is taken over.
import { UpchainError } from "../errors";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";

export interface HostLock {
  heartbeat(): Promise<void>;
  release(): Promise<void>;
  /** The run whose stale lock this one took over, if any. */
  tookOverFrom?: string;
}

export async function acquireLock(host: RemoteHost, stateDir: string, resource: string, run: string, staleSeconds: number): Promise<HostLock> {
  const dir = `${stateDir}/${resource}.lock`;
  const owner = `${dir}/owner`;
  const script = [
    `mkdir -p ${q(stateDir)} && chmod 700 ${q(stateDir)}`,
    `now=$(date +%s)`,
    `if mkdir ${q(dir)} 2>/dev/null; then echo "${run} $now" > ${q(owner)}; echo acquired; exit 0; fi`,
    `read -r who beat < ${q(owner)} 2>/dev/null || { who=unknown; beat=0; }`,
    `if [ $((now - beat)) -gt ${staleSeconds} ]; then echo "${run} $now" > ${q(owner)}; echo "took-over $who"; exit 0; fi`,
    `echo "held $who $((now - beat))"`,
  ].join("\n");
  const r = await host.exec(script, { sudo: true });
  const [word, who, age] = r.stdout.trim().split(/\s+/);
  if (r.code !== 0 || (word !== "acquired" && word !== "took-over")) {
    throw new UpchainError(
      "LOCKED",
      `${host.label}: another upchain run (${who ?? "unknown"}) is working on ${resource}; its last heartbeat was ${age ?? "?"}s ago. ` +
        `Wait for it to finish; if it died, its lock is taken over ${staleSeconds}s after that heartbeat.`,
    );
  }
  const mine = async (cmd: string) => {
    await host.exec(`read -r who beat < ${q(owner)} 2>/dev/null; if [ "$who" = ${q(run)} ]; then ${cmd}; fi`, { sudo: true });
  };
  return {
    tookOverFrom: word === "took-over" ? who : undefined,
    heartbeat: () => mine(`echo "${run} $(date +%s)" > ${q(owner)}`),
    release: () => mine(`rm -rf ${q(dir)}`),
  };
}
