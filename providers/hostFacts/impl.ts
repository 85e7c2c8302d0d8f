// The HostFacts provider's behaviour. Loaded lazily by provider.ts so that Pulumi's closure
// serialization captures only a module path, never ssh2 or zod.
import { printable } from "../terminalBoundary";
import type * as pulumi from "@pulumi/pulumi";
import { credentialFields } from "../connection";
import { connectionOf, connectionSchema, toCheckFailures, withConnection } from "../connectionSchema";
import { propertiesOf } from "../properties";
import { withSsh } from "../transport/ssh";
import { readFacts } from "./facts";
import { FieldNames, fieldNamesOf, inUserTerms, userField } from "../server/fields";

export interface HostFactsOutputs {
  connection: { host: string; port: number; user: string; hostKey: string };
  // Credentials are kept so that `read` can reconnect during refresh; the resource marks them as
  // additional secret outputs, so the state holds them encrypted.
  privateKey?: string;
  privateKeyPassphrase?: string;
  password?: string;
  /** How the declaring code names the properties (server/fields.ts), kept so that refresh names them too. */
  fields?: FieldNames;
  hostname: string;
  osId: string;
  osVersion: string;
  osPrettyName: string;
}

/** Facts are observed, never desired; the last observation is kept in the inputs as drift's baseline. */
const factKeys = ["hostname", "osId", "osVersion", "osPrettyName"] as const;

export async function check(oldProps: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
  const parsed = connectionSchema.safeParse(connectionOf(news));
  // named as the user wrote them, without a property: the engine would print the whole connection beside it
  if (!parsed.success) return { failures: inUserTerms(toCheckFailures(parsed.error, ["connection"]), fieldNamesOf(news)) };
  const inputs = withConnection(propertiesOf(news), parsed.data);
  const olds = propertiesOf(oldProps);
  const oldConnection = propertiesOf(olds.connection);
  // `up` must not erase the baseline the last refresh recorded (see read); a host moved elsewhere
  // starts without one
  const sameHost = oldConnection.host === parsed.data.host && oldConnection.port === parsed.data.port;
  for (const k of factKeys) if (sameHost && olds[k] !== undefined) inputs[k] = olds[k];
  return { inputs };
}

async function probe(inputs: unknown): Promise<HostFactsOutputs> {
  const c = connectionSchema.parse(connectionOf(inputs));
  const fields = fieldNamesOf(inputs);
  const facts = await withSsh(c, readFacts, { hostKeyField: userField("connection.hostKey", fields) });
  const out: HostFactsOutputs = {
    connection: { host: c.host, port: c.port, user: c.user, hostKey: c.hostKey },
    ...(fields ? { fields } : {}),
    ...facts,
  };
  for (const k of credentialFields) if (c[k] !== undefined) out[k] = c[k];
  return out;
}

export async function create(inputs: unknown): Promise<pulumi.dynamic.CreateResult> {
  const outs = await printable(() => probe(inputs));
  return { id: `${outs.connection.user}@${outs.connection.host}:${outs.connection.port}`, outs };
}

/** olds: the outputs (HostFactsOutputs, as the state or a refresh has them); news: check's inputs. */
export async function diff(_id: string, oldProps: unknown, newProps: unknown): Promise<pulumi.dynamic.DiffResult> {
  const [olds, news] = [propertiesOf(oldProps), propertiesOf(newProps)];
  const [o, n] = [propertiesOf(olds.connection), propertiesOf(news.connection)];
  const changed: string[] = (["host", "port", "user", "hostKey"] as const).filter((k) => o[k] !== n[k]);
  for (const k of credentialFields) if (olds[k] !== news[k]) changed.push(k);
  // During refresh, olds are the freshly read outputs and news the recorded inputs, so a fact that
  // differs from its recorded baseline is drift made behind Pulumi's back.
  for (const k of factKeys) if (news[k] !== undefined && olds[k] !== news[k]) changed.push(k);
  // A server is never replaced: pointing the resource elsewhere just reads the facts again.
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

export async function update(_id: string, _olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await printable(() => probe(news)) };
}

export async function read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  const outs = await printable(() => probe(props));
  // Pulumi's refresh reports drift by diffing fresh outputs against the recorded inputs, so the
  // observed facts are recorded as inputs too: they are the baseline the next refresh compares to.
  const { __provider, ...inputs } = outs as HostFactsOutputs & { __provider?: string };
  return { id, props: outs, inputs };
}

export async function remove(): Promise<void> {
  // Forgetting a host changes nothing on it.
}
