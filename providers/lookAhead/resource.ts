// LookAhead: declared before a fleet's servers, which depend on it, so that Pulumi checks it first;
// its check starts every server's look at its host at once (see impl.ts and server/lookAhead.ts).
// Give the same LookAhead to each server (the `lookAhead` run control); close it once all are declared.
import * as pulumi from "@pulumi/pulumi";
import { lookAheadProvider } from "./provider";
import type { GivenProblem } from "./table";

export class LookAhead extends pulumi.dynamic.Resource {
  private readonly collected: pulumi.Input<Record<string, unknown>>[] = [];
  private readonly names: string[] = [];
  private finish!: (servers: { inputs: pulumi.Input<Record<string, unknown>>[]; names: string[] }) => void;

  /** `problems`: what the program already found wrong in servers it does not declare; shown in the same table. */
  constructor(name: string, opts?: pulumi.CustomResourceOptions, problems: GivenProblem[] = []) {
    let finish!: (servers: { inputs: pulumi.Input<Record<string, unknown>>[]; names: string[] }) => void;
    const servers = new Promise<{ inputs: pulumi.Input<Record<string, unknown>>[]; names: string[] }>((r) => (finish = r));
    super(
      lookAheadProvider,
      name,
      {
        // the servers' inputs hold their credentials: secret, and never kept in the state (impl.ts)
        servers: pulumi.secret(pulumi.output(servers.then((s) => s.inputs))),
        names: pulumi.output(servers.then((s) => s.names)),
        problems,
      },
      opts,
      "upchain",
      "LookAhead",
    );
    this.finish = finish;
  }

  /** A server's inputs, exactly as its Server resource sends them, and its name for the problems table. */
  add(inputs: pulumi.Input<Record<string, unknown>>, name?: string): void {
    this.collected.push(inputs);
    this.names.push(name ?? `server ${this.names.length + 1}`);
  }

  /** All servers are declared: the look can start. Until then Pulumi waits for it (and so do they). */
  close(): void {
    this.finish({ inputs: this.collected, names: this.names });
  }
}
