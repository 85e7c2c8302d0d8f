// The OMFLOW catalog: four-number versions, next-feature-only hops (Windows: in order below 1.1.4.0, one
// update file from there), and the 1.2.0.0 environment rebuild. The rules themselves are in hops.ts.
import { Catalog } from "../../engine/planning/catalog";
import { linuxHopSteps, linuxRestoreSteps } from "./linux";
import { checkOmflowOptions, omflowOptions } from "./options";
import { omflowPreflight } from "./preflight";
import { legalHops, omflowScheme, requiredStops } from "./hops";
export { omflowScheme } from "./hops";
import { windowsHopSteps, windowsRecoverSteps, windowsRestoreSteps } from "./windows";

export const omflow: Catalog = {
  product: "omflow",
  title: "OMFLOW",
  scheme: omflowScheme,
  platforms: ["linux", "windows"],
  minPowerShell: "3.0",
  defaultReleases: [
    "1.1.2.0",
    "1.1.3.0",
    "1.1.4.0",
    "1.1.4.1",
    "1.1.5.0",
    "1.1.6.0",
    "1.1.6.1",
    "1.1.6.3",
    "1.1.6.4",
    "1.2.0.0",
    "1.2.0.1",
    "1.2.0.2",
    "1.2.1.0",
  ],
  legalHops,
  requiredStops,
  hopSteps: (hop, ctx) => (ctx.platform === "windows" ? windowsHopSteps : linuxHopSteps)(omflowOptions(ctx.options, ctx.platform), hop),
  restoreSteps: (hop, ctx) => (ctx.platform === "windows" ? windowsRestoreSteps : linuxRestoreSteps)(omflowOptions(ctx.options, ctx.platform), hop),
  recoverSteps: (_hop, ctx) => (ctx.platform === "windows" ? windowsRecoverSteps(omflowOptions(ctx.options, ctx.platform)) : []),
  preflight: omflowPreflight,
  optionProblems: (ctx) => checkOmflowOptions(ctx.options, ctx.platform).problems,
};
