// LookAhead: at check, look at every server's host at once (a bounded number at a time), report the
// fleet's problems in one table, or leave each look for its Server's own check to take
// (server/lookAhead.ts). It keeps nothing: its state holds the servers' count, never their inputs
// (they carry credentials), and it never changes.
import type * as pulumi from "@pulumi/pulumi";
import { bounded, rememberLook } from "../server/lookAhead";
import { GivenProblem, fleetTable, givenRows, rowsOf } from "./table";
import { terminalText } from "../engine/running/progress";
import { ensureOpenFiles } from "../transport/fileLimit";
import { propertiesOf } from "../properties";

/** How many hosts are looked at together: SSH handshakes cost the controller CPU. */
const AT_ONCE = 32;

/**
 * Looks at every server (a bounded number at a time) and waits for all of them: when any has a
 * problem, or the stack program found some in the servers' entries (`problems`), it fails once with
 * one table of them all. The engine stops a preview at the first resource that fails its check, so
 * this is the only place where a fleet's problems can all be shown by one preview. When none has a
 * problem, each Server's own check takes its look, already done.
 */
/** A problem the stack program found in a server's entry, named by its server (the rest is shown as it came). */
const isGivenProblem = (p: unknown): p is GivenProblem => typeof propertiesOf(p).server === "string";

export async function check(_olds: unknown, newProps: unknown): Promise<pulumi.dynamic.CheckResult> {
  const news = propertiesOf(newProps);
  const servers = Array.isArray(news.servers) ? news.servers.filter((s: unknown): s is Record<string, unknown> => !!s && typeof s === "object") : [];
  const names: unknown[] = Array.isArray(news.names) ? news.names : [];
  const given = Array.isArray(news.problems) ? news.problems.filter(isGivenProblem) : [];
  // the whole fleet weighed against the open-file limit first, before any connection is opened
  const tooMany = ensureOpenFiles(servers.length);
  if (tooMany) return { failures: [{ property: "", reason: terminalText(`${tooMany.code}: ${tooMany.message}`) }] };
  // loaded here, not at the top: the Server's implementation is what the LookAhead runs ahead of
  const server = require("../server/impl") as typeof import("../server/impl");
  const results = servers.map(() => {
    let settle!: { resolve: (r: pulumi.dynamic.CheckResult) => void; reject: (e: unknown) => void };
    const result = new Promise<pulumi.dynamic.CheckResult>((resolve, reject) => (settle = { resolve, reject }));
    return { result, ...settle };
  });
  servers.forEach((s, i) => rememberLook(s, results[i].result));
  void bounded(
    servers.map((s, i) => () => server.checkNow(undefined, s).then(results[i].resolve, results[i].reject)),
    AT_ONCE,
  );
  const looked = await Promise.allSettled(results.map((r) => r.result));
  const rows = [
    ...givenRows(given),
    ...looked.flatMap((l, i) => {
      const name = typeof names[i] === "string" ? (names[i] as string) : `server ${i + 1}`;
      if (l.status === "rejected") return rowsOf(name, [{ property: "preview", reason: String((l.reason as Error)?.message ?? l.reason) }], undefined);
      return rowsOf(name, l.value.failures ?? [], server.fieldNamesOf(servers[i]));
    }),
  ];
  // the servers' refusals quote their hosts: cleaned for the terminal, as the Server's own are (engine/running/progress.ts)
  if (rows.length) return { failures: [{ property: "", reason: terminalText(fleetTable(rows)) }] };
  return { inputs: { servers: servers.length } };
}

export async function diff(): Promise<pulumi.dynamic.DiffResult> {
  return { changes: false };
}

export async function create(inputs: unknown): Promise<pulumi.dynamic.CreateResult> {
  return { id: "look-ahead", outs: { servers: propertiesOf(inputs).servers } };
}

export async function update(_id: string, _olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: { servers: propertiesOf(news).servers } };
}

export async function read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  return { id, props };
}

export async function remove(): Promise<void> {
  // nothing on any host
}
