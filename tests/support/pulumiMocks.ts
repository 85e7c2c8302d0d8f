// Registers a resource against Pulumi's mock monitor (no engine, no provider process) and reports
// what the engine would have received: which inputs were secrets and which outputs must stay secret.
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import type { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

export interface RegisteredResource {
  plainInputs: Record<string, unknown>;
  /** The inputs sent as secrets, unwrapped. */
  secretInputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
}

/** A mock's input value as sent: a secret arrives wrapped in Pulumi's secret signature. */
export function unwrapSecret(v: unknown): { secret: boolean; value: unknown } {
  const wrapped = !!v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  const secret = wrapped?.[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
  return { secret, value: secret ? wrapped?.value : v };
}

/** The runtime's monitor once setMocks ran: a MockMonitor (the SDK types its getter as the engine's gRPC client). */
export const mockMonitor = (): MockMonitor => pulumi.runtime.getMonitor() as unknown as MockMonitor;

/** What the mock monitor's registerResource is called with: the engine's request, and the callback for its answer. */
export type RegisterCall = (req: RegisterResourceRequest, callback: (err: unknown, resp: unknown) => void) => Promise<void>;

/** Declare resources with `declare` and report the first registration of the dynamic resource `type` (e.g. "upchain:Server"). */
export async function registerWithMocks(type: string, declare: () => unknown): Promise<RegisteredResource> {
  let pendingSecretOutputs: string[] = [];
  let found: (r: RegisteredResource) => void = () => {};
  const registered = new Promise<RegisteredResource>((resolve, reject) => {
    found = resolve;
    setTimeout(() => reject(new Error(`no ${type} was registered within 10 s`)), 10_000).unref();
  });
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        // dynamic resources register under the dynamic provider's package
        if (args.type === `pulumi-nodejs:dynamic/${type}`) {
          const plainInputs: Record<string, unknown> = {};
          const secretInputs: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(args.inputs)) {
            const { secret, value } = unwrapSecret(v);
            (secret ? secretInputs : plainInputs)[k] = value;
          }
          found({ plainInputs, secretInputs, additionalSecretOutputs: pendingSecretOutputs });
        }
        return { id: `${args.name}-id`, state: {} };
      },
      call: () => ({}),
    },
    "project",
    "stack",
    false,
  );
  // the mock hands newResource the inputs only; the registration request also carries the outputs to keep secret
  const monitor = mockMonitor();
  const register: RegisterCall = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterResourceRequest, callback: (err: unknown, resp: unknown) => void) => {
    pendingSecretOutputs = req.getAdditionalsecretoutputsList();
    return register(req, callback);
  };
  // a component registers its children after itself: wait for the one asked about
  declare();
  return registered;
}
