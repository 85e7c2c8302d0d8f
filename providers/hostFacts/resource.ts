// HostFacts: a server's identity read over SSH. The first real resource; it proves the transport,
// host-key pinning, secret handling and refresh end to end.
import * as pulumi from "@pulumi/pulumi";
import { hostFactsProvider } from "./provider";

export interface ConnectionArgs {
  host: pulumi.Input<string>;
  port?: pulumi.Input<number>;
  user?: pulumi.Input<string>;
  /** A secret: pass pulumi.secret(...) or a `--secret` config value. */
  privateKey?: pulumi.Input<string>;
  password?: pulumi.Input<string>;
  /** The pinned host key (`ssh-keyscan` line or SHA256 fingerprint). Required. */
  hostKey: pulumi.Input<string>;
}

export interface HostFactsArgs {
  /** A plain object of inputs (not an Output of one), so each field keeps its own secretness. */
  connection: ConnectionArgs;
}

export class HostFacts extends pulumi.dynamic.Resource {
  declare readonly hostname: pulumi.Output<string>;
  declare readonly osId: pulumi.Output<string>;
  declare readonly osVersion: pulumi.Output<string>;
  declare readonly osPrettyName: pulumi.Output<string>;

  constructor(name: string, args: HostFactsArgs, opts?: pulumi.CustomResourceOptions) {
    // Credentials travel beside the connection, each as a secret, so the preview still shows where
    // the resource connects while the state holds the key only encrypted.
    const { host, port, user, hostKey, privateKey, password } = args.connection;
    const connection = { host, port, user, hostKey };
    super(
      hostFactsProvider,
      name,
      {
        connection,
        privateKey: privateKey === undefined ? undefined : pulumi.secret(privateKey),
        password: password === undefined ? undefined : pulumi.secret(password),
        hostname: undefined,
        osId: undefined,
        osVersion: undefined,
        osPrettyName: undefined,
      },
      { ...opts, additionalSecretOutputs: ["privateKey", "password", ...(opts?.additionalSecretOutputs ?? [])] },
      "upchain",
      "HostFacts",
    );
  }
}
