// What OMFLOW's preview checks before any host is touched: the options (all problems at once), then
// the local files each hop uploads (its patch, and the offline bundle for the 1.2.0.0 hop), on this
// machine, so a missing file stops the run before the server is stopped or its environment removed.
import { offlineBundleProblems } from "../../bundle";
import { Hop, PlanContext } from "../../engine/catalog";
import { localPathProblems } from "../../options/localFiles";
import { OptionProblem, fieldPath } from "../../options/problems";
import { checkOmflowOptions } from "./options";
import { PYTHON311_VERSION } from "./rules";
import { windowsPreflightProblems } from "./windowsPreflight";

export function omflowPreflight(hops: Hop[], ctx: PlanContext): OptionProblem[] {
  const { fields: o, failed, problems } = checkOmflowOptions(ctx.options, ctx.platform);
  const what = ctx.platform === "windows" ? "update file" : "patch archive";
  for (const hop of hops) {
    const field = fieldPath(["options", "patches", hop.to]);
    const patch = o.patches?.[hop.to];
    if (!failed.has("patches") && !patch) problems.push({ path: field, message: `the hop ${hop.from} -> ${hop.to} needs the ${hop.to} ${what}; give its local path` });
    if (patch) problems.push(...localPathProblems(field, patch, "file"));
    if (ctx.platform === "windows") continue; // Windows asks its own questions, once for all hops (below)
    if (hop.to !== PYTHON311_VERSION || failed.has("offlineBundle")) continue;
    // online installs Python 3.11 with apt, but the wheels and mod_wsgi still come from the bundle
    if (!o.offlineBundle) {
      problems.push({ path: "options.offlineBundle", message: `the ${PYTHON311_VERSION} hop rebuilds the Python 3.11 environment from an offline bundle; prepare one (npm run -s upchain -- bundle omflow ...) and give its path` });
    } else problems.push(...offlineBundleProblems("options.offlineBundle", o.offlineBundle, ctx.platform));
  }
  if (ctx.platform === "windows") problems.push(...windowsPreflightProblems(o, hops, failed));
  return problems;
}
