// LookAhead: declared before a fleet's servers, which depend on it, so that Pulumi checks it first;
// its check starts every server's look at its host at once (see impl.ts and server/lookAhead.ts).
// Give the same LookAhead to each server (the `lookAhead` run control); close it once all are declared.
import * as pulumi from "@pulumi/pulumi";
import { lookAheadProvider } from "./provider";

export class LookAhead extends pulumi.dynamic.Resource {
  private readonly collected: pulumi.Input<Record<string, unknown>>[] = [];
  private finish!: (servers: pulumi.Input<Record<string, unknown>>[]) => void;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    let finish!: (servers: pulumi.Input<Record<string, unknown>>[]) => void;
    const servers = new Promise<pulumi.Input<Record<string, unknown>>[]>((r) => (finish = r));
    // the servers' inputs hold their credentials: secret, and never kept in the state (impl.ts)
    super(lookAheadProvider, name, { servers: pulumi.secret(pulumi.output(servers)) }, opts, "upchain", "LookAhead");
    this.finish = finish;
  }

  /** A server's inputs, exactly as its Server resource sends them. */
  add(inputs: pulumi.Input<Record<string, unknown>>): void {
    this.collected.push(inputs);
  }

  /** All servers are declared: the look can start. Until then Pulumi waits for it (and so do they). */
  close(): void {
    this.finish(this.collected);
  }
}
