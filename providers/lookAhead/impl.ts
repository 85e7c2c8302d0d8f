// LookAhead: at check, start every server's look at its host at once (a bounded number at a time),
// for the Servers' own checks to take (server/lookAhead.ts). It keeps nothing: its state holds the
// servers' count, never their inputs (they carry credentials), and it never changes.
import type * as pulumi from "@pulumi/pulumi";
import { bounded, rememberLook } from "../server/lookAhead";

/** How many hosts are looked at together: SSH handshakes cost the controller CPU. */
const AT_ONCE = 32;

export async function check(_olds: unknown, news: any): Promise<pulumi.dynamic.CheckResult> {
  const servers: Record<string, unknown>[] = Array.isArray(news.servers) ? news.servers.filter((s: unknown) => s && typeof s === "object") : [];
  // loaded here, not at the top: the Server's implementation is what the LookAhead runs ahead of
  const server = require("../server/impl") as typeof import("../server/impl");
  const results = servers.map(() => {
    let settle!: { resolve: (r: pulumi.dynamic.CheckResult) => void; reject: (e: unknown) => void };
    const result = new Promise<pulumi.dynamic.CheckResult>((resolve, reject) => (settle = { resolve, reject }));
    return { result, ...settle };
  });
  // each look is remembered at once and starts when a slot frees up; check returns without waiting,
  // so the engine goes on while the hosts are looked at
  servers.forEach((s, i) => rememberLook(s, results[i].result));
  void bounded(servers.map((s, i) => () => server.checkNow(undefined, s).then(results[i].resolve, results[i].reject)), AT_ONCE);
  return { inputs: { servers: servers.length } };
}

export async function diff(): Promise<pulumi.dynamic.DiffResult> {
  return { changes: false };
}

export async function create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
  return { id: "look-ahead", outs: { servers: inputs.servers } };
}

export async function update(_id: string, _olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: { servers: news.servers } };
}

export async function read(id: string, props: any): Promise<pulumi.dynamic.ReadResult> {
  return { id, props };
}

export async function remove(): Promise<void> {
  // nothing on any host
}
