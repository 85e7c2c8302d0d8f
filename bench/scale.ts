// The fleet at scale: `pulumi up` of upchain at N = 100 (the OMFLOW patch chain of the fleet bench,
// every host running Apache and OMFLOW) with its wall time and the peak memory of the CLI and of the
// provider; then `pulumi preview` at N = 500 against the engine floor's preview of 500 do-nothing
// resources (hosts started without their services: preview runs no step, it reads the installed version
// and the journal). What the hosts cost the machine is measured too (MemAvailable before and after
// they start, per host). Hosts bn1..bnN (bench/fleet.ts), stopped at the end.
//
// Then, with --up-own N, `pulumi up` at N of the bench's own one-hop product (bench/ownProduct.ts) on
// hosts without their services: the peak memory of an up at a size whose OMFLOW hosts would take the
// machine an hour.
//
// usage: node dist/bench/scale.js [--up 100] [--preview 500] [--up-own 0] [--out bench/results/scale.json]
// (npm run bench:scale; as root, like npm run bench)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { omflowOptions } from "../tests/support/omflowFixture";
import { repoRoot } from "../tests/support/pulumi";
import { Measured, engineFloorPreview, peaksLine, upchainPreview, upchainUp } from "./contenders";
import { assertAtTarget, goldenLayer, resetFleet, stopFleet } from "./fleet";
import { ownProductUp } from "./ownProduct";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const upN = Number(arg("up", "100"));
const previewN = Number(arg("preview", "500"));
const upOwnN = Number(arg("up-own", "0"));
const out = path.resolve(arg("out", path.join(repoRoot, "bench/results/scale.json")));

const t0 = Date.now();
const log = (l: string) => console.log(`[scale ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${l}`);
const memAvailableKiB = () => Number(/^MemAvailable:\s+(\d+)/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))![1]);
const mib = (kib: number) => Math.round(kib / 1024);

interface Figure {
  n: number;
  seconds: number;
  cliMiB: number;
  providerMiB: number;
}
const figure = (n: number, m: Measured): Figure => ({
  n,
  seconds: Number(m.seconds.toFixed(2)),
  cliMiB: mib(m.peaks!.cliKiB),
  providerMiB: mib(m.peaks!.providerKiB),
});

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the scale bench starts real test hosts: run it as root (npm run bench:scale does)");
  if (!process.env.UPCHAIN_ENGINE_PATH) throw new Error("UPCHAIN_ENGINE_PATH is not set: run it with `npm run bench:scale` (it sources scripts/env.sh)");
  const maxHosts = Math.max(upN, previewN, upOwnN);
  const stop = () => (log(`stopping hosts bn1..bn${maxHosts}`), stopFleet(maxHosts));
  process.on("SIGINT", () => (stop(), process.exit(130)));
  process.on("SIGTERM", () => (stop(), process.exit(143)));
  const result: Record<string, unknown> = {
    command: `node dist/bench/scale.js ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date(t0).toISOString(),
    machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) },
  };
  const save = () => (fs.mkdirSync(path.dirname(out), { recursive: true }), fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n"));
  try {
    const layer = await goldenLayer(log);
    const options = await omflowOptions();
    if (upN > 0) {
      const before = memAvailableKiB();
      const r0 = Date.now();
      const hosts = await resetFleet(upN, layer, log);
      const hostMiB = mib(before - memAvailableKiB());
      log(
        `up N=${upN}: ${upN} hosts with Apache and OMFLOW started in ${((Date.now() - r0) / 1000).toFixed(0)} s, ${hostMiB} MiB (${(hostMiB / upN).toFixed(1)} MiB a host)`,
      );
      const m = await upchainUp(hosts, options);
      assertAtTarget(hosts, `upchain N=${upN}`);
      result.up = {
        ...figure(upN, m),
        hostsStartSeconds: (Date.now() - r0) / 1000 - m.seconds,
        hostsMiB: hostMiB,
        providerKiBPerHost: Math.round(m.peaks!.providerKiB / upN),
      };
      log(`up N=${upN}: ${peaksLine(m)}`);
      save();
      stopFleet(upN);
    }
    if (previewN > 0) {
      const before = memAvailableKiB();
      const r0 = Date.now();
      const hosts = await resetFleet(previewN, layer, log, { services: false });
      const hostMiB = mib(before - memAvailableKiB());
      log(`preview N=${previewN}: hosts started in ${((Date.now() - r0) / 1000).toFixed(0)} s, ${hostMiB} MiB (${(hostMiB / previewN).toFixed(1)} MiB a host)`);
      const u = await upchainPreview(hosts, options);
      log(`preview N=${previewN} upchain: ${peaksLine(u)}`);
      const f = await engineFloorPreview(previewN);
      log(`preview N=${previewN} engine floor: ${peaksLine(f)}`);
      result.preview = {
        upchain: figure(previewN, u),
        engineFloor: figure(previewN, f),
        ratio: Number((u.seconds / f.seconds).toFixed(2)),
        hostsMiB: hostMiB,
        providerKiBPerHost: Math.round(u.peaks!.providerKiB / previewN),
      };
      save();
    }
    if (upOwnN > 0) {
      const r0 = Date.now();
      const hosts = await resetFleet(upOwnN, layer, log, { services: false });
      log(`up-own N=${upOwnN}: hosts started in ${((Date.now() - r0) / 1000).toFixed(0)} s`);
      const m = await ownProductUp(hosts);
      result.upOwn = {
        ...figure(upOwnN, m),
        product: "the bench's own one-hop product (bench/ownProduct.ts)",
        providerKiBPerHost: Math.round(m.peaks!.providerKiB / upOwnN),
        cliKiBPerHost: Math.round(m.peaks!.cliKiB / upOwnN),
      };
      log(`up-own N=${upOwnN}: ${peaksLine(m)}`);
      save();
    }
  } finally {
    stop();
  }
  log(`results in ${out}`);
}

main().catch((e) => {
  console.error(`scale bench failed: ${(e as Error).message}`);
  process.exit(1);
});
