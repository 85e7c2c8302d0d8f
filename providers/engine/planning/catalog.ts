// What a product catalog is: its version scheme, its legal hops (each with the rule and document
// that justify it), and the steps of each hop for each platform. Adding a product means writing one
// of these; the planner and executor never change for it.
import type { EditName } from "../../edits/index";
import type { ServiceEntry } from "../../edits/services";
import type { HttpStepDetails } from "./httpStepDetails";
import { PoolState, RolloutPolicy } from "./rollout";
import { VersionScheme } from "./version";
import { FromDocument, Provenance } from "./provenance";

export type Platform = "linux" | "windows";
export type Shell = "sh" | "powershell";

/** The shell a site's command runs in: the platform's own. */
export const platformShell = (platform: Platform): Shell => (platform === "windows" ? "powershell" : "sh");

/** Why a hop is legal (or a stop required): the rule in the vendor's words and where it is. */
export interface Rule {
  id: string;
  text: string;
  source: string;
}

export interface Hop {
  from: string;
  to: string;
  rule: Rule;
}

/** Everything the catalog may look at when it plans; all of it is known before any host is touched. */
export interface PlanContext {
  platform: Platform;
  /** The releases the user can install (the patch files they have), sorted oldest first. */
  releases: string[];
  /** Product options from the stack, already validated by the catalog's own schema. */
  options: Record<string, unknown>;
}

/** What every step has, whatever its action. */
interface StepBase {
  /** Unique within its hop; with the hop it keys the journal. */
  id: string;
  title: string;
  shell: Shell;
  /** The exact commands, already quoted for `shell`. Shown in preview and in the plan JSON. */
  commands: string[];
  /** True when the step changes the server in a way the hop's restore point must be able to undo. */
  destructive: boolean;
  /**
   * For a recovery step: run it even when restoring the backup failed. Only for what is safe beside a
   * half-restored server: putting a setting back, stopping, taking out of a pool. Nothing that puts the
   * server back in service (starting it, a pool's ready, leaving maintenance) may be `always`
   * (tests/unit/engine/planning/recoverAlways.test.ts).
   */
  always?: boolean;
  /**
   * Where the step comes from: the document sentence it follows, the site's option, or upchain's own
   * safety step (provenance.ts). Every step has one (tests/unit/engine/planning/provenance.test.ts).
   */
  provenance: Provenance;
  /** The id of the catalog rule the step follows (Altazion's steps name theirs). */
  rule?: string;
  /** Seconds the step may run, when the catalog knows better than the action's default (engine/running/executor.ts). */
  timeoutSeconds?: number;
}

/** Run commands. */
export interface RunStep extends StepBase {
  action: "run";
}
/** Take the restore point for this hop (always before anything destructive). */
export interface BackupStep extends StepBase {
  action: "backup";
  /** The folder the restore point is in, when the catalog names one (told to the operator after a failed restore). */
  backupDir?: string;
}
/** Copy a local file or folder to the host, sha256-checked; runs no commands. */
export interface UploadStep extends StepBase {
  action: "upload";
  source: string;
  destination: string;
  directory?: boolean;
}
/** An idempotent named edit of one file (providers/edits), carried out by the executor. */
export interface EditStep extends StepBase {
  action: "edit";
  file: string;
  /** Which of providers/edits/index.ts's named edits. */
  edit: EditName;
  /** The value as text, when the plan fixes it (shown in preview): edits/index.ts stepValue writes it from the edit's typed value. */
  value?: string;
  /** A read-only command whose output is the value, when only the host knows it. */
  valueCommand?: string;
  /** A command that must accept the edited file, or the old file is put back. */
  validate?: string;
}
/** Add entries to a services file (conflicts fail the step and write nothing). */
export interface ServicesAddStep extends StepBase {
  action: "services-add";
  file: string;
  entries: ServiceEntry[];
}
/** Restart the machine and wait for it. */
export interface RebootStep extends StepBase {
  action: "reboot";
  /** A read-only command whose output changes with every boot. */
  bootMarker: string;
  timeoutSeconds: number;
}
/** Check the hop's success by the document's criterion (and the site's version command where given). */
export interface VerifyStep extends StepBase {
  action: "verify";
  expectVersion?: string;
}
/** A load-balancer pool operation around a cluster member. */
export interface PoolStep extends StepBase {
  action: "pool";
  /** The state each server must reach in each backend, by backend. */
  pools: Record<string, Record<string, PoolState>>;
  drainSeconds?: number;
}
/** A request to a web portal on the host's own loopback, through the connection's tunnel (engine/running/httpStep.ts). */
export interface HttpStep extends StepBase, HttpStepDetails {
  action: "http";
}
/** Bring the restore point back (only run on failure). */
export interface RestoreStep extends StepBase {
  action: "restore";
}

export type Step = RunStep | BackupStep | UploadStep | EditStep | ServicesAddStep | RebootStep | VerifyStep | PoolStep | HttpStep | RestoreStep;
export type StepAction = Step["action"];

/**
 * A read-only look at the host that preview runs before anything is touched, for what only the host
 * can tell (a dependency's release, a folder already in use). Its output is data: `judge` reads it.
 */
export interface HostCheck {
  id: string;
  /** The stack field the problem is reported under (`options.destinationHome`). */
  path: string;
  shell: Shell;
  command: string;
  /**
   * Why the host is not ready for the plan, in words that say what to do; undefined when it is. A check
   * that looks at several things may give several problems, each under its own field.
   */
  judge(result: { code: number | null; stdout: string; stderr: string }): string | undefined | { path: string; message: string }[];
}

export interface Catalog {
  product: string;
  title: string;
  scheme: VersionScheme;
  platforms: Platform[];
  /** The oldest Windows PowerShell its Windows recipe runs on ("5.1"): preview refuses an older host (powershellVersion.ts). */
  minPowerShell?: string;
  /** Releases assumed when the stack lists none. */
  defaultReleases: string[];
  /**
   * The releases a plan made without the host may use, for a product whose releases are read from the
   * host (its offers): `upchain plan` and the recipe tables, when no release list is given.
   */
  releasesBetween?(from: string, to: string): string[];
  /** A hop as people read it, when its from->to text is long ("ecommerce 5.1.0.0->5.2.0.0" for a module set). */
  describeHop?(hop: Hop): string;
  /** The hops allowed from `from`, each with its rule. The planner searches these for a shortest chain. */
  legalHops(from: string, ctx: PlanContext): Hop[];
  /** Versions a chain from `from` to `to` must pass through (defence in depth for the planner). */
  requiredStops(from: string, to: string, ctx: PlanContext): { version: string; rule: Rule }[];
  /**
   * The ordered steps of one hop on ctx.platform. The first destructive step must follow a backup.
   * `chain` says where the hop is in its chain (a notice to users opens the first hop and closes the last).
   */
  hopSteps(hop: Hop, ctx: PlanContext, chain?: ChainPosition): Step[];
  /** The steps that bring a hop's restore point back when the hop fails. */
  restoreSteps(hop: Hop, ctx: PlanContext): Step[];
  /**
   * Steps that put the old version back in service after a hop failed, run after restoreSteps or
   * alone when nothing destructive had run yet (a setting switched off before a reboot, services
   * stopped for the hop).
   */
  recoverSteps?(hop: Hop, ctx: PlanContext): Step[];
  /** Why `from` is not a source the vendor's documents cover (naming those that are), if it is not. */
  undocumentedSource?(from: string, ctx: PlanContext): string | undefined;
  /**
   * The vendor's documented way to read the installed version (a status file the document names): a
   * read-only command that prints it (empty output: the product is absent). A product whose documents
   * name none has no probe: the site's versionCommand, the state or the stack's `current` says it
   * (engine/planning/installedVersion.ts).
   */
  probeVersion?(ctx: PlanContext): VersionProbe;
  /** Problems found before any host is touched (missing bundle, bad option): field path and message. */
  preflight?(hops: Hop[], ctx: PlanContext): { path: string; message: string }[];
  /**
   * Problems in the options alone (types, unknown keys, paths, a backup directory overlapping what it
   * backs up), all at once: needs no plan, so it can run before any SSH connection is opened.
   * preflight reports these too.
   */
  optionProblems?(ctx: PlanContext): { path: string; message: string }[];
  /** Read-only checks of the host for these hops, run at preview (see HostCheck). */
  hostChecks?(hops: Hop[], ctx: PlanContext): HostCheck[];
  /**
   * For a product whose vendor ships its own update service: a read-only look at what the host offers
   * to install (the versions the service has detected), read at preview and again before each run.
   * Its output is data: `read` turns it into releases the plan may use (added to the stack's) and
   * resolves an alias in the stack's target ("latest") against them.
   */
  offers?(ctx: PlanContext): HostOffer;
  /**
   * Sets of files the stack places on the host as they are, by name (an update service's hook
   * scripts): their folder, which names in it the set manages, and whether a name is legal.
   */
  fileSets?: Record<string, FileSet>;
  /** How a cluster of this product is rolled behind a load balancer (its pools' roles), and the rule that says so. */
  cluster?: {
    /**
     * The pools' roles for a cluster whose members not yet upgraded run `source` (a hop's from; undefined
     * when every member already runs the target): a document's rule may hold for some sources only.
     * Releases whose policies keep the same pools are one class for the rule (a patch set on the way,
     * 9.0.2.0 and 9.0.2.3): a hop between them moves the member alone, and the cluster takes the stops
     * of its chain one at a time, every member each (rollout.ts stagedRolloutOrder).
     */
    policy(source: string | undefined): RolloutPolicy;
    /** The id of the hop step after which the member's old release no longer runs (its stop): the last old member's return point. */
    oldReleaseStoppedAfter: string;
    rule: Rule;
    memberOptions: Record<string, unknown>;
    /** The document's sentence behind the rollout's pool moves (the pool steps cite it; a traffic-only move is upchain's safety). */
    provenance?: FromDocument;
    /** The document's sentence that keeps old-release-only pools to members on the old release: the last member's mid-hop return cites it. */
    oldReleaseOnlyProvenance?: FromDocument;
  };
}

export interface VersionProbe {
  shell: Shell;
  command: string;
  /** Reads the version out of what the command printed (a status file): for products that keep it in a file of their own. */
  read?(stdout: string): string | undefined;
}

/** The installed version in a probe's output: read by the catalog, or the output itself. */
export function probedVersion(p: VersionProbe, stdout: string): string {
  return p.read ? (p.read(stdout) ?? "") : stdout.trim();
}

export interface FileSet {
  /** What the files are, for messages ("phase hooks"). */
  title: string;
  folder(ctx: PlanContext): string;
  /** The names in the folder the set manages: one the stack does not declare is removed. */
  owns: RegExp;
  /** Why a declared name is not legal here, or undefined. */
  nameProblem(name: string, ctx: PlanContext): string | undefined;
  /**
   * A read-only sh command that exits 0 only on a host that runs the product, and what to say when it
   * does not: checked before anything is written (no folder is made on a host that is not the product's).
   */
  productCheck?(ctx: PlanContext): { shell: Shell; command: string; problem: string };
}

/** Where a hop is in its chain: index from 0, how many hops the chain has, and where the whole chain starts and ends. */
export interface ChainPosition {
  index: number;
  count: number;
  from: string;
  to: string;
}

export interface HostOffer {
  shell: Shell;
  command: string;
  /** The releases on offer and the target with its aliases resolved; a problem when the output cannot be read. */
  read(
    result: { code: number | null; stdout: string; stderr: string },
    installed: string,
    target: string,
  ): { releases: string[]; target: string; lines?: string[] } | { problem: string };
}

/** Omit over each member of a union (TypeScript's Omit would merge the members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type StepSpec = DistributiveOmit<Step, "shell">;

/** A step whose commands are POSIX sh. */
export const shStep = (s: StepSpec): Step => ({ ...s, shell: "sh" }) as Step;
/** A step whose commands are PowerShell. */
export const psStep = (s: StepSpec): Step => ({ ...s, shell: "powershell" }) as Step;

/** Copy a local file or folder to the host (the executor checks each file's sha256 there). Runs no commands. */
export function uploadStep(
  shell: Shell,
  s: { id: string; title: string; source: string; destination: string; directory?: boolean; provenance: Provenance },
): UploadStep {
  const { directory, ...rest } = s;
  return { ...rest, action: "upload", shell, commands: [], destructive: false, ...(directory ? { directory: true } : {}) };
}

/** The step as the kind its action says; throws when it is another (for code that expects one action). */
export function stepOfAction<A extends StepAction>(step: Step, action: A): Extract<Step, { action: A }> {
  if (step.action !== action) throw new Error(`step ${step.id} is a ${step.action} step, not ${action}`);
  return step as Extract<Step, { action: A }>;
}

/** Every command a step carries, in its shell: its commands and those its action adds (an edit's value and check, a reboot's boot marker, an http step's attempts). */
export function commandsOf(step: Step): string[] {
  switch (step.action) {
    case "edit":
      return [...step.commands, ...(step.valueCommand ? [step.valueCommand] : []), ...(step.validate ? [step.validate] : [])];
    case "reboot":
      return [...step.commands, step.bootMarker];
    case "http":
      return [...step.commands, ...step.attempts.flatMap((a) => [...(a.before ?? []), ...(a.after ?? [])])];
    default:
      return step.commands;
  }
}
