// Every resource a program declares, as Pulumi's engine would receive it (mock monitor, no engine):
// type, name, parent, the resources it depends on, and its inputs with secrets unwrapped and marked.
// For checking that a component registers exactly what it did before a refactor.
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import { RegisterCall, mockMonitor, unwrapSecret } from "./pulumiMocks";

export interface Registration {
  type: string;
  name: string;
  parent: string;
  dependsOn: string[];
  inputs: Record<string, unknown>;
  secrets: string[];
}

/** The name part of a URN (`urn:pulumi:stack::project::type$type::name`). */
const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

/** Declare resources with `declare` and report every registration once `count` have arrived (in order). */
export async function registrations(count: number, declare: () => unknown): Promise<Registration[]> {
  const seen: Registration[] = [];
  const inputsByName = new Map<string, { inputs: Record<string, unknown>; secrets: string[] }>();
  let done: (r: Registration[]) => void = () => {};
  const all = new Promise<Registration[]>((resolve, reject) => {
    done = resolve;
    setTimeout(() => reject(new Error(`only ${seen.length} of ${count} registrations within 10 s: ${seen.map((r) => r.name).join(", ")}`)), 10_000).unref();
  });
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs: Record<string, unknown> = {};
        const secrets: string[] = [];
        for (const [k, v] of Object.entries(args.inputs)) {
          // the dynamic provider's serialized code: the provider's, not the component's
          if (k === "__provider") continue;
          const { secret, value } = unwrapSecret(v);
          inputs[k] = value;
          if (secret) secrets.push(k);
        }
        inputsByName.set(args.name, { inputs, secrets });
        return { id: `${args.name}-id`, state: {} };
      },
      call: () => ({}),
    },
    "project",
    "stack",
    false,
  );
  const monitor = mockMonitor();
  const register: RegisterCall = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterResourceRequest, callback: (err: unknown, resp: unknown) => void) => {
    const entry: Registration = {
      type: req.getType(),
      name: req.getName(),
      parent: nameOf(req.getParent() ?? ""),
      dependsOn: req.getDependenciesList().map(nameOf).sort(),
      inputs: {},
      secrets: [],
    };
    seen.push(entry);
    return register(req, (err: unknown, resp: unknown) => {
      Object.assign(entry, inputsByName.get(entry.name) ?? {});
      callback(err, resp);
      if (seen.length >= count && seen.every((r) => inputsByName.has(r.name) || !r.type.startsWith("pulumi-nodejs"))) done(seen);
    });
  };
  declare();
  return all;
}
