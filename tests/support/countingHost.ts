// The counting fake transport: the local host (LocalHost), every exec sorted by what it is for, so a
// test can count a run's round trips or check their order. Used by the executor's round-trip tests
// (executorExecs) and the pool step's lock-proof tests (executorPoolProof).
import { ExecOptions, ExecResult } from "../../providers/transport/remoteHost";
import { LocalHost } from "./localHost";

/**
 * What an exec was for: the lock's heartbeat (a timer, not the run's bookkeeping), a script that only
 * asks the host whether the lock is still this run's (the guard around an empty body: executor
 * stillMine), a journal write, or anything else.
 */
export type ExecKind = "heartbeat" | "proof" | "journal" | "exec";

export function execKind(command: string): ExecKind {
  if (command.endsWith("{\n:\n} 9>&-")) return "proof";
  if (/journal/.test(command) && /base64 -d/.test(command)) return "journal";
  if (/own \S+ "\$\(date \+%s\)"/.test(command)) return "heartbeat";
  return "exec";
}

export class CountingHost extends LocalHost {
  /** Every exec's kind, in order. */
  readonly kinds: ExecKind[] = [];

  /** `onExec` hears each exec's kind as it is sent (to interleave it with other events). */
  constructor(private readonly onExec?: (kind: ExecKind) => void) {
    super();
  }

  override async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const kind = execKind(command);
    this.kinds.push(kind);
    this.onExec?.(kind);
    return super.exec(command, options);
  }

  get heartbeats(): number {
    return this.kinds.filter((k) => k === "heartbeat").length;
  }

  /** Execs that are not heartbeats. */
  get runExecs(): number {
    return this.commands.length - this.heartbeats;
  }
}
