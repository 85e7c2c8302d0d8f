// The fleet benchmark (npm run bench): upchain, two Ansible playbooks (idiomatic, tuned) and two floors
// (plain, resumable) doing the same OMFLOW patch chain on N real test hosts, side by side, several
// repetitions each; then `pulumi preview` against
// the engine floor. Writes bench/results/{results.md,results.json,wall-time.svg,cpu-per-host-hop.svg}.
//
// usage: node dist/bench/run.js [--quick] [--warm-cache] [--sizes 1,5,20] [--reps 5] [--preview 20,100,500|none]
//        [--upchain-only 100|none] [--out DIR]
// (--upchain-only: sizes where upchain alone runs up, once: its wall time and memory at a fleet too
// large to run five contenders at repeatedly; --quick: sizes 1,5, one repetition, preview 20, no
// upchain-only size; the default repetitions: one per contender;
// --warm-cache: keep the page cache between contenders instead of dropping it)
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { omflowOptions, versionCommand } from "../tests/support/omflowFixture";
import { repoRoot } from "../tests/support/pulumi";
import { Measured, PLAYBOOKS, ansible, engineFloorPreview, floor, hopsFor, peaksLine, upchainPreview, upchainUp } from "./contenders";
import { BenchCgroups } from "./cgroup";
import { defaultReps, dropCaches, parseArgs, rotation } from "./order";
import { assertAtTarget, goldenLayer, knownHostsFile, names, resetFleet, stopFleet } from "./fleet";
import { plannedSteps } from "./floor";
import { ownProductUp } from "./ownProduct";
import { Profile, profile, profileText } from "./profile";
import { renderTimeline } from "../providers/report/timeline";
import { Sample, Table, figures, markdown, ratios, svg } from "./report";
import { Failures, verdictMarkdown, verdicts } from "./targets";

const CONTENDERS = ["upchain", "ansible", "ansibleTuned", "floor", "floorResumable"] as const;
type Contender = (typeof CONTENDERS)[number];
const PREVIEW_CONTENDERS = ["upchain", "engineFloor"] as const;
const opts = parseArgs(process.argv.slice(2));
const { sizes, previewSizes, upchainOnly, upOwn: upOwnSizes, quick } = opts;
const reps = opts.reps ?? defaultReps(CONTENDERS.length);
// a quick check's figures prove nothing: they never replace the committed results unless --out says so
const outDir = path.resolve(opts.out ?? (quick ? path.join(os.tmpdir(), "upchain-bench-quick") : path.join(repoRoot, "bench/results")));
/** What the run did, for the JSON: each repetition's order, and whether the page cache was dropped. */
const orders: string[][] = [];
let cacheNote: string | undefined;
/** What did not finish (upchain alone at a size, a preview size): the bench goes on and says so. */
const failures: Failures = {};
/** The bench's own one-hop product's up, by N (bench/ownProduct.ts): memory at a size the OMFLOW hosts cannot reach. */
const upOwn: Record<number, Sample[]> = {};
/** One line of an error for the results (the whole message is in the log above). */
const reason = (e: unknown) => ((e as Error).message ?? String(e)).split("\n").find((l) => l.trim()) ?? "failed";

const t0 = Date.now();
/** Hops per host in the chain (set once the chain is planned): CPU-seconds are reported per host-hop. */
let hopsPerHost = 0;
const log = (l: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${l}`);

function preconditions(): void {
  if (process.getuid?.() !== 0) throw new Error("the bench starts real test hosts (network namespaces, overlay mounts): run it as root (npm run bench does)");
  try {
    execFileSync("sh", ["-c", "command -v ansible-playbook"], { stdio: "ignore" });
  } catch {
    throw new Error("ansible-playbook is missing: install it with 'apt-get install -y ansible-core'");
  }
  if (!process.env.UPCHAIN_ENGINE_PATH)
    throw new Error("UPCHAIN_ENGINE_PATH is not set: run the bench with `npm run bench` (scripts/bench.sh sources scripts/env.sh)");
}

/** sync and drop the page cache before each contender; a machine that refuses is said once, and in the results. */
function coldCache(): void {
  if (opts.warmCache) return void (cacheNote ??= "kept between contenders (--warm-cache)");
  const why = dropCaches();
  if (why && !cacheNote) log(why);
  cacheNote ??= why;
}

async function main(): Promise<void> {
  preconditions();
  const maxHosts = Math.max(0, ...sizes, ...previewSizes, ...upchainOnly, ...upOwnSizes);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    log(`stopping hosts bn1..bn${maxHosts}`);
    stopFleet(maxHosts);
  };
  process.on("SIGINT", () => (stop(), process.exit(130)));
  process.on("SIGTERM", () => (stop(), process.exit(143)));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-bench-"));
  const cgroups = BenchCgroups.create();
  if (!cgroups) log("no writable cgroup v2 hierarchy on this machine: no CPU-seconds will be reported");
  const hostsGroup = cgroups?.group("hosts");
  const accounting = (c: string) => ({ controller: cgroups?.group(c), hosts: hostsGroup });
  const up: Record<number, Record<Contender, Sample[]>> = {};
  const preview: Record<number, Record<"upchain" | "engineFloor", Sample[]>> = {};
  let prof: Profile | undefined;
  try {
    const layer = await goldenLayer(log);
    /** Hosts bn1..bnN in their start state, their processes accounted to the hosts' group. */
    const startFleet = async (n: number, services = true) => {
      const hosts = await resetFleet(n, layer, log, { services });
      if (hostsGroup)
        cgroups!.adoptHosts(
          names(n).map((h) => `upchain-${h}`),
          hostsGroup,
        );
      return hosts;
    };
    const options = await omflowOptions();
    // planned as upchain plans them for the stack the bench builds (configureServersInFile gives it versionCommand)
    const steps = plannedSteps(options, versionCommand);
    const hops = hopsFor(steps, options);
    hopsPerHost = hops.length;
    log(`chain: ${hops.map((h) => `${h.from}->${h.to}`).join(", ")}; ${steps.length} steps per server (${steps.map((s) => s.id).join(", ")})`);
    const profileAt = Math.max(...sizes);
    for (const n of sizes) {
      up[n] = { upchain: [], ansible: [], ansibleTuned: [], floor: [], floorResumable: [] };
      const upchainRuns: Measured[] = [];
      const floorRuns: Measured[] = [];
      for (let rep = 0; rep < reps; rep++) {
        // the order rotates with each repetition, so no contender always runs first (order.ts rotation)
        const order = rotation(CONTENDERS, rep);
        if (n === sizes[0]) orders.push(order);
        for (const c of order) {
          const r0 = Date.now();
          const hosts = await startFleet(n);
          const kh = knownHostsFile(hosts, path.join(work, `known_hosts-${n}`));
          const a = accounting(c);
          coldCache();
          log(`N=${n} rep ${rep + 1}/${reps} ${c}: hosts reset in ${((Date.now() - r0) / 1000).toFixed(1)} s`);
          const m =
            c === "upchain"
              ? await upchainUp(hosts, options, a)
              : c === "floor" || c === "floorResumable"
                ? await floor(hosts, steps, kh, c === "floorResumable", a)
                : await ansible(hosts, hops, kh, PLAYBOOKS[c], a);
          assertAtTarget(hosts, `${c} N=${n}`);
          up[n][c].push(m);
          if (c === "upchain") upchainRuns.push(m);
          if (c === "floor") floorRuns.push(m);
          write(up, preview, prof, true); // an interrupted bench still leaves what it measured
          const mem = m.peaks
            ? `; peak PSS of its processes ${(m.peaks.treeKiB / 1024).toFixed(0)} MiB` +
              (c === "upchain" ? ` (VmHWM CLI ${(m.peaks.cliKiB / 1024).toFixed(0)} MiB, provider ${(m.peaks.providerKiB / 1024).toFixed(0)} MiB)` : "")
            : "";
          const cpu = m.cpu ? `; CPU controller ${m.cpu.controller.toFixed(1)} s, hosts ${m.cpu.hosts.toFixed(1)} s` : "";
          log(`N=${n} rep ${rep + 1}/${reps} ${c}: ${m.seconds.toFixed(2)} s${mem}${cpu}`);
        }
      }
      if (n === profileAt) {
        // the profile of the median upchain run, against every floor run's per-step times
        const sorted = [...upchainRuns].sort((a, b) => a.seconds - b.seconds);
        const med = sorted[Math.floor((sorted.length - 1) / 2)];
        prof = profile(
          med.runs ?? [],
          med.seconds,
          med.startedAt!,
          med.endedAt!,
          floorRuns.flatMap((f) => f.floorSteps ?? []),
        );
        console.log("\n" + profileText(prof));
        // the picture of that run, as `upchain report` draws it (rows in host order)
        const rows = (med.runs ?? [])
          .map((record) => ({ name: record.server.replace(/^.*@/, "").replace(/:\d+$/, ""), record }))
          .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
        if (rows.length) {
          fs.mkdirSync(outDir, { recursive: true });
          fs.writeFileSync(
            path.join(outDir, `timeline-${n}.svg`),
            renderTimeline(rows, `upchain up, OMFLOW 1.1.5.0 -> 1.1.6.4 on ${n} hosts (the median run)`),
          );
        }
      }
    }
    for (const n of upchainOnly) {
      // one run of upchain alone: a figure for a fleet this size (wall time, memory), not a comparison
      const r0 = Date.now();
      const hosts = await startFleet(n);
      coldCache();
      log(`N=${n} upchain alone: hosts reset in ${((Date.now() - r0) / 1000).toFixed(1)} s`);
      // a size this large can fail where the comparison did not: said in the results, and the bench goes on
      try {
        const m = await upchainUp(hosts, options, accounting("upchain"));
        assertAtTarget(hosts, `upchain N=${n}`);
        up[n] = { upchain: [m], ansible: [], ansibleTuned: [], floor: [], floorResumable: [] };
        log(`N=${n} upchain alone: ${peaksLine(m)}`);
      } catch (e) {
        failures[`up N = ${n}`] = reason(e);
        log(`N=${n} upchain alone FAILED: ${(e as Error).message}`);
      }
      write(up, preview, prof, true);
      stopFleet(n);
    }
    for (const n of upOwnSizes) {
      // one run: the memory of an up at this size, on hosts without their services (bench/ownProduct.ts)
      const r0 = Date.now();
      const hosts = await startFleet(n, false);
      log(`up-own N=${n}: hosts reset in ${((Date.now() - r0) / 1000).toFixed(1)} s`);
      try {
        const m = await ownProductUp(hosts, accounting("upchain"));
        upOwn[n] = [m];
        log(`up-own N=${n}: ${peaksLine(m)}`);
      } catch (e) {
        failures[`up-own N = ${n}`] = reason(e);
        log(`up-own N=${n} FAILED: ${(e as Error).message}`);
      }
      write(up, preview, prof, true);
      stopFleet(n);
    }
    for (const n of previewSizes) {
      preview[n] = { upchain: [], engineFloor: [] };
      const r0 = Date.now();
      // preview only reads (the version, the journal folder): nothing changes between repetitions, and
      // the hosts need not run Apache and OMFLOW (what 500 hosts with them would take is more than the
      // machine's memory; a host without them is 3 MiB)
      const hosts = await startFleet(n, false);
      log(`preview N=${n}: hosts reset in ${((Date.now() - r0) / 1000).toFixed(1)} s`);
      for (let rep = 0; rep < reps && !failures[`preview N = ${n}`]; rep++) {
        for (const c of rotation(PREVIEW_CONTENDERS, rep)) {
          coldCache();
          let m: Measured;
          try {
            m = c === "upchain" ? await upchainPreview(hosts, options, accounting(c)) : await engineFloorPreview(n, accounting(c));
          } catch (e) {
            // said in the results and the targets; the other sizes are still measured
            failures[`preview N = ${n}`] = `${c}: ${reason(e)}`;
            log(`preview N=${n} ${c} FAILED: ${(e as Error).message}`);
            break;
          }
          preview[n][c].push(m);
          write(up, preview, prof, true);
          const cpu = m.cpu ? `; CPU controller ${m.cpu.controller.toFixed(1)} s, hosts ${m.cpu.hosts.toFixed(1)} s` : "";
          log(
            `preview N=${n} rep ${rep + 1}/${reps} ${c}: ${m.seconds.toFixed(2)} s; peak VmHWM CLI ${(m.peaks!.cliKiB / 1024).toFixed(0)} MiB, provider ${(m.peaks!.providerKiB / 1024).toFixed(0)} MiB${cpu}`,
          );
        }
      }
    }
  } finally {
    stop();
    fs.rmSync(work, { recursive: true, force: true });
    const left = cgroups?.remove();
    if (left) log(left);
  }
  write(up, preview, prof, false);
}

function write(
  up: Record<number, Record<string, Sample[]>>,
  preview: Record<number, Record<string, Sample[]>>,
  prof: Profile | undefined,
  partial: boolean,
): void {
  // CPU per unit of work: a host-hop for up, a host for preview (it runs no hop)
  const table = (t: Record<number, Record<string, Sample[]>>, unitsPerHost: number): Table =>
    Object.fromEntries(
      Object.entries(t).map(([n, row]) => [
        n,
        Object.fromEntries(
          Object.entries(row)
            .filter(([, s]) => s.length)
            .map(([c, s]) => [c, figures(s, Number(n) * unitsPerHost)]),
        ),
      ]),
    );
  const upT = table(up, hopsPerHost);
  const prT = table(preview, 1);
  const ownT: Table = Object.fromEntries(Object.entries(upOwn).map(([n, samples]) => [n, { upchain: figures(samples, Number(n)) }]));
  const targets = verdicts(upT, prT, failures, Object.fromEntries(Object.entries(ownT).map(([n, row]) => [n, row.upchain])));
  const failed = Object.entries(failures).map(([what, why]) => `- ${what}: ${why}`);
  const md = markdown(upT, prT, reps, verdictMarkdown(targets)) + (failed.length ? "\n### Did not finish in this run\n\n" + failed.join("\n") + "\n" : "");
  const json = {
    command: `node dist/bench/run.js ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date(t0).toISOString(),
    partial,
    benchSeconds: (Date.now() - t0) / 1000,
    machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() },
    note: "one machine runs the controller and every host; other work on the machine (acceptance tests) makes the figures noisy",
    reps,
    quick,
    contenders: CONTENDERS,
    orders,
    pageCache: cacheNote ?? "synced and dropped (echo 3 > /proc/sys/vm/drop_caches) before each contender",
    up: upT,
    upRatios: ratios(upT, "upchain", ["floor", "floorResumable", "ansible", "ansibleTuned", "fasterAnsible"]),
    preview: prT,
    upOwn: ownT,
    previewRatios: ratios(prT, "upchain", ["engineFloor"]),
    targets,
    failures,
    profile: prof,
    samples: { up: strip(up), preview: strip(preview) },
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, "results.md"),
    (partial ? "**Partial: the bench was still running (or was interrupted).**\n\n" : "") +
      md +
      (prof ? "\n### Where upchain's time goes (its median run at the largest N)\n\n" + profileText(prof) : ""),
  );
  fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(json, null, 2) + "\n");
  if (Object.keys(upT).length) {
    fs.writeFileSync(path.join(outDir, "wall-time.svg"), svg(upT));
    if (Object.values(upT).some((row) => row.upchain?.cpuPerUnit)) {
      fs.writeFileSync(
        path.join(outDir, "cpu-per-host-hop.svg"),
        svg(upT, (f) => f.cpuPerUnit, "pulumi up CPU-seconds per host-hop (controller + hosts; median, min–max)", "CPU-seconds per host-hop"),
      );
    }
  }
  if (partial) return;
  console.log("\n" + md);
  log(`results in ${outDir} (whole bench ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

/** The raw samples for the JSON: times and peaks, not the run records (they are summed in the profile). */
function strip(t: Record<number, Record<string, Sample[]>>) {
  return Object.fromEntries(
    Object.entries(t).map(([n, row]) => [
      n,
      Object.fromEntries(Object.entries(row).map(([c, s]) => [c, s.map((m) => ({ seconds: m.seconds, peaks: m.peaks, cpu: m.cpu }))])),
    ]),
  );
}

main().catch((e) => {
  console.error(`bench failed: ${(e as Error).message}`);
  process.exit(1);
});
