// The Server provider's lifecycle: one managed server of one product at a desired version. check
// plans the whole chain so preview shows every hop and step (preview.ts); create and update run it
// (converge.ts); read reports the installed version; delete forgets the server. Each entry takes
// Pulumi's properties as `unknown` and parses them once (schema.ts). Pulumi's state names this file.
import type * as pulumi from "@pulumi/pulumi";
import { loadCatalogModule } from "../catalogs/own";
import { UpchainError } from "../errors";
import { guardProviderProcess } from "../providerProcess";
import { convergeReporting } from "./converge";
import { readBack } from "./hostState";
import * as preview from "./preview";
import { propertiesOf } from "../properties";
import { ServerOutputs, givenServer, priorVersion, serverId } from "./schema";
// the LookAhead loads this file to run each Server's look ahead of its check (lookAhead/impl.ts)
export { checkNow } from "./preview";
export { fieldNamesOf } from "./fields";

// in Pulumi's provider process: hear Ctrl-C, and exit when the engine dies (providerProcess.ts)
guardProviderProcess();

/** A product of the user's own is registered before its inputs are read (the provider process starts without it). */
function registerOwnCatalog(raw: unknown): void {
  const props = propertiesOf(raw);
  if (props.catalogModule === undefined) return;
  const problem = loadCatalogModule(props.catalogModule, String(props.product));
  if (problem) throw new UpchainError("INVALID_INPUT", `catalogModule: ${problem}`, ["catalogModule"]);
}

export async function check(olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult<Record<string, unknown>>> {
  return preview.check(olds, news);
}

export async function diff(_id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.DiffResult> {
  return preview.diff(olds, news);
}

export async function create(inputs: unknown): Promise<pulumi.dynamic.CreateResult<ServerOutputs>> {
  registerOwnCatalog(inputs);
  const outs = await convergeReporting(givenServer(inputs));
  return { id: serverId(outs), outs };
}

export async function update(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult<ServerOutputs>> {
  registerOwnCatalog(news);
  return { outs: await convergeReporting(givenServer(news), olds, id) };
}

export async function read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult<Record<string, unknown>>> {
  registerOwnCatalog(props);
  const found = await readBack(givenServer(props), priorVersion(props));
  // the state as it was, with what the host says now: a failed restore no longer there is dropped
  const { failedRestore: _old, ...rest } = propertiesOf(props);
  return { id, props: { ...rest, ...found } };
}

export async function remove(): Promise<void> {
  // Forgetting a server never uninstalls anything.
}
