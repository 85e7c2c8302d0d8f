// HostFacts: a server's identity read over SSH. The first real resource; it proves the transport,
// host-key pinning, secret handling and refresh end to end.
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs, credentialFields, credentialInputs } from "../connection";
import { hostFactsProvider } from "./provider";

export interface HostFactsArgs {
  /** A plain object of inputs (not an Output of one), so each field keeps its own secretness. */
  connection: ConnectionArgs;
  /**
   * How your program calls the connection's fields, when preview should name them your way: a
   * property ("connection.hostKey", "connection.privateKey") -> your name for it. The stack program
   * gives its keys ("upchain:hosts[1].hostKey"); the argument names (connection.hostKey) otherwise.
   */
  fieldNames?: Record<string, string>;
}

export class HostFacts extends pulumi.dynamic.Resource {
  declare readonly hostname: pulumi.Output<string>;
  declare readonly osId: pulumi.Output<string>;
  declare readonly osVersion: pulumi.Output<string>;
  declare readonly osPrettyName: pulumi.Output<string>;

  constructor(name: string, args: HostFactsArgs, opts?: pulumi.CustomResourceOptions) {
    // Credentials travel beside the connection, each as a secret, so the preview still shows where
    // the resource connects while the state holds the key only encrypted.
    const { host, port, user, hostKey } = args.connection;
    const connection = { host, port, user, hostKey };
    super(
      hostFactsProvider,
      name,
      {
        connection,
        ...credentialInputs(args.connection),
        fields: args.fieldNames,
        hostname: undefined,
        osId: undefined,
        osVersion: undefined,
        osPrettyName: undefined,
      },
      { ...opts, additionalSecretOutputs: [...credentialFields, ...(opts?.additionalSecretOutputs ?? [])] },
      "upchain",
      "HostFacts",
    );
  }
}
