// OmflowServer: the component users instantiate for an OMFLOW server.
import * as pulumi from "@pulumi/pulumi";
import { OmflowOptions } from "../providers/catalogs/omflow/optionTypes";
import { ProductServer, ProductServerArgs } from "./productServer";

/** No OMFLOW document names a way to read the installed version: versionCommand or current says it (InstalledVersionArgs). */
export interface OmflowServerArgs extends ProductServerArgs<OmflowOptions> {
  /** The OMFLOW version this server should run, e.g. "1.2.0.1". */
  version: pulumi.Input<string>;
  /** The OMFLOW releases you have patch files for; the catalog's list when absent. */
  releases?: pulumi.Input<pulumi.Input<string>[]>;
  /** Patch files by version, the offline bundle, and paths when they differ from the document's. */
  options?: Partial<OmflowOptions>;
}

export class OmflowServer extends ProductServer<OmflowOptions> {
  constructor(name: string, args: OmflowServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:omflow:OmflowServer", name, args, { product: "omflow", target: args.version, releases: args.releases, fields: { target: "version" } }, opts);
  }
}
