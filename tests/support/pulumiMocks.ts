// Registers a resource against Pulumi's mock monitor (no engine, no provider process) and reports
// what the engine would have received: which inputs were secrets and which outputs must stay secret.
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
  plainInputs: Record<string, unknown>;
  /** The inputs sent as secrets, unwrapped. */
  secretInputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
}

/** A mock's input value as sent: a secret arrives wrapped in Pulumi's secret signature. */
export function unwrapSecret(v: unknown): { secret: boolean; value: unknown } {
  const secret = !!v && typeof v === "object" && (v as any)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
  return { secret, value: secret ? (v as any).value : v };
}

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
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    pendingSecretOutputs = req.getAdditionalsecretoutputsList();
    return register(req, callback);
  };
  // a component registers its children after itself: wait for the one asked about
  declare();
  return registered;
}
