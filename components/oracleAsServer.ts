// OracleAsServer: the component users instantiate for an Oracle Application Server middle tier.
import * as pulumi from "@pulumi/pulumi";
import { OracleAsOptions } from "../providers/catalogs/oracleAs/optionTypes";
import { ProductServer, ProductServerArgs } from "./productServer";

/** 004 names no file or command that tells the installed release: versionCommand or current says it (InstalledVersionArgs). */
export interface OracleAsServerArgs extends ProductServerArgs<OracleAsOptions> {
  /** The release this middle tier should run: "10.1.2" (or "9.0.2.3" to stop after the patch set). */
  version: pulumi.Input<string>;
  /** The homes, the site's installers, the ias_admin password's secret reference, and the optional steps. */
  options?: Partial<OracleAsOptions>;
  /** Secret values the options refer to (`{ UPCHAIN_SECRET_IAS_ADMIN: pulumi.secret(...) }`). */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class OracleAsServer extends ProductServer<OracleAsOptions> {
  constructor(name: string, args: OracleAsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:oracle-as:OracleAsServer", name, args, { product: "oracle-as", target: args.version, fields: { target: "version" } }, opts);
  }
}
