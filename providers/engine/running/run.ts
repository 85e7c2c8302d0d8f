// What a run is given (ExecuteOptions), what it carries from step to step (Run), and the contract of a
// step runner: one per step action, in a table (stepRunners.ts), so the walk never asks what kind of
// step it holds. Types only, in a file of their own, so that a runner defined outside the engine (the
// load balancer's, loadBalancer/poolRunner.ts) imports no executor code.
import { RemoteHost } from "../../transport/remoteHost";
import { Catalog, PlanContext, StepAction, VersionProbe } from "../planning/catalog";
import { DetachedResult, StepEnv } from "./detached";
import { Journal } from "./journal";
import { JournalStore } from "./journalStore";
import { HostLock } from "./lock";
import { Plan, PlannedStep } from "../planning/planner";
import { StopSignal } from "./stopSignal";

export interface ExecuteOptions {
  host: RemoteHost;
  catalog: Catalog;
  /** The plan, made on the controller from the stack. A resumed run's journal must name this very plan. */
  plan: Plan;
  ctx: PlanContext;
  /** Names this server's journal and lock on the host (one resource, one journal). */
  resource: string;
  stateDir?: string;
  log?: (line: string) => void;
  /**
   * For news that need not outlive the run's display (a step starting, a running step's latest output,
   * its duration): Pulumi shows these as they come and leaves them out of its closing summary
   * (engineLog.ts). `log` when absent.
   */
  status?: (line: string) => void;
  /** Values to mask in every message and output shown. */
  secrets?: string[];
  /** Environment values for every step, from a root-only file on the host (secret option values). */
  env?: StepEnv;
  pollMs?: number;
  /** How often a running step's output and elapsed time are reported (default 10 s; engine/running/progress.ts). */
  progressEveryMs?: number;
  lockStaleSeconds?: number;
  /** Seconds a step may run, by step id or by action ("run", "backup", ...); see stepDeadline. */
  stepTimeouts?: Record<string, number>;
  /** The id of a run the operator has dealt with by hand (a failed restore, an interrupted run to abandon). */
  clearRun?: string;
  /** How long to keep trying to reach the host before a step's outcome is declared unknown. */
  contactTimeoutMs?: number;
  /** The site's version command, for a catalog with no documented probe: checked before the run as the catalog's probe would be. */
  versionProbe?: VersionProbe;
  /** Told the run's journal when the run ends, however it ends (its timeline feeds the report). */
  onFinish?: (journal: Journal) => void;
  /**
   * Runners of step kinds that act on something other than the host, registered by the code that
   * knows it: a cluster member's pool steps, on its load balancer (loadBalancer/poolRunner.ts).
   * Without one, such a step fails, saying what is missing (stepRunners.ts).
   */
  runners?: Partial<StepRunners>;
  /** The operator's stop (Ctrl-C): the hop in progress runs to its end, and no other hop starts. */
  stop?: StopSignal;
}

/** How a step ended: its exit status and output, or "lost" when it died without an exit status. */
export type StepOutcome = DetachedResult | "lost";

/** Per-run context the walk, the step runners and the failure path share. */
export interface Run {
  options: ExecuteOptions;
  journal: Journal;
  /** Where the journal is kept: saveJournal and closeJournal write it there, retried. */
  store: JournalStore;
  stateDir: string;
  lock: HostLock;
  log: (line: string) => void;
  /** Ephemeral news (ExecuteOptions.status), masked like log. */
  status: (line: string) => void;
  /** When this run started the hop it is in (for the hop's duration). */
  hopStarted?: { hop: string; at: number };
  /** Until when to keep trying to reach the host for one operation. */
  contactUntil: () => number;
  /** What each hop's backup step printed in this run (its last line names the restore point). */
  backupOutput: Map<string, string>;
  /**
   * Asks the host whether the lock is still this run's, unless it said so moments ago: the guard of a
   * change no script on the host can fence (a pool or http step). `what` names the step in the error.
   */
  stillMine: (what: string) => Promise<void>;
  /** Writes the journal as it stands (retried through a dropped connection). */
  saveJournal: () => Promise<void>;
  /** Writes the journal's last state (done, restored, stopped) and moves it to the history, in one round trip. */
  closeJournal: () => Promise<void>;
}

/** One step handed to its runner. */
export interface StepCall {
  step: PlannedStep;
  /** Its index in the plan, which names its folder on the host and its place in the journal. */
  index: number;
  /** Its folder on the host (journal.ts stepDir). */
  dir: string;
  /** "[hop k/n]": how progress lines name it. */
  position: string;
  /** How messages name it: `step "<title>"`, or `restore step "<title>"` when it restores a hop. */
  what: string;
  /** Takes the step's output as it arrives. */
  out: (text: string) => void;
}

export interface StepRunner {
  /**
   * "launched": a script started detached on the host and polled; its launch writes the journal that
   * names it (one round trip less per step). "inline": carried out by the runner, idempotently, so a
   * resumed run simply does it again; the walk writes the journal before it.
   */
  readonly mode: "launched" | "inline";
  /**
   * Whether an inline runner also carries out the step when it is a restore or recovery step (a pool
   * step puts a member back in its pools). A restore step of any other kind is launched on the host.
   */
  readonly restores?: boolean;
  /** Carries the step out. A failure is an outcome with a non-zero code, or a throw (walk and runAside tell them apart). */
  run(run: Run, call: StepCall): Promise<StepOutcome>;
}

/** One runner per step action: a new kind of step is one runner and one entry here. */
export type StepRunners = Record<StepAction, StepRunner>;
