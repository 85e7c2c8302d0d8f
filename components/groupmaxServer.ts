// GroupmaxServer: the component users instantiate for a Groupmax master management server.
import * as pulumi from "@pulumi/pulumi";
import { GroupmaxOptions } from "../providers/catalogs/groupmax/optionTypes";
import { ProductServer, ProductServerArgs } from "./productServer";

/** No Groupmax document names a way to read the installed version: versionCommand or current says it (InstalledVersionArgs). */
export interface GroupmaxServerArgs extends ProductServerArgs<GroupmaxOptions> {
  /** The Groupmax version this server should run, in VV-RR form: "06-00". */
  version: pulumi.Input<string>;
  /** The site's installer commands (required), uploads, paths, reboot command and deadline. */
  options?: Partial<GroupmaxOptions>;
}

export class GroupmaxServer extends ProductServer<GroupmaxOptions> {
  constructor(name: string, args: GroupmaxServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:groupmax:GroupmaxServer", name, args, { product: "groupmax", target: args.version, fields: { target: "version" } }, opts);
  }
}
