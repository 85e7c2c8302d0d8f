// ManagedFiles: a product's set of files in a folder of a server (Altazion's phase hooks), placed
// exactly as the stack declares them; a file the stack drops is removed (a copy kept).
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs, credentialFields, credentialInputs } from "../connection";
import { managedFilesProvider } from "./provider";

export interface ManagedFilesArgs {
  product: pulumi.Input<string>;
  /** The catalog's file set ("hooks"). */
  fileSet: pulumi.Input<string>;
  platform?: pulumi.Input<"linux" | "windows">;
  /** The product's options: the set's folder and name rule come from them. */
  options?: pulumi.Input<Record<string, unknown>>;
  /** File name -> content. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  connection: ConnectionArgs;
  /** How the declaring code calls these properties ("files", "connection.hostKey" -> its name): check's failures name them so (server/fields.ts). */
  fields?: Record<string, string>;
}

export class ManagedFiles extends pulumi.dynamic.Resource {
  declare readonly folder: pulumi.Output<string>;
  /** What the last check found would change on the host, line by line (empty when it matches the stack). */
  declare readonly changes: pulumi.Output<string[]>;
  declare readonly sha256: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ManagedFilesArgs, opts?: pulumi.CustomResourceOptions) {
    const { host, port, user, hostKey } = args.connection;
    super(
      managedFilesProvider,
      name,
      {
        product: args.product,
        fileSet: args.fileSet,
        platform: args.platform,
        options: args.options ?? {},
        files: args.files,
        connection: { host, port, user, hostKey },
        ...credentialInputs(args.connection),
        fields: args.fields,
        folder: undefined,
        changes: undefined,
        sha256: undefined,
      },
      { ...opts, additionalSecretOutputs: [...credentialFields, ...(opts?.additionalSecretOutputs ?? [])] },
      "upchain",
      "ManagedFiles",
    );
  }
}
