// Example option sets the README's recipe tables plan with (`<!-- recipe ... example=<name> -->`), so the
// steps that only options add are shown: on Linux, `online: true` installs Python 3.11 and the packages
// from the internet (001 step 3, method 1) instead of uploading the offline bundle. A legal stack's
// `options` (tests/unit/docs/recipeExamples.test.ts runs it through preview's checks; the patch archives
// are files on the operator's machine, which only that machine has).
import { RecipeExamples } from "../../recipeTable";
import { DATABASE_EXAMPLES } from "./preflight";

export const OMFLOW_RECIPE_EXAMPLES: RecipeExamples = {
  online: {
    linux: {
      online: true,
      patches: {
        "1.1.6.4": "/srv/omflow/omflow_patch_1_1_6_4.tar.gz",
        "1.2.0.0": "/srv/omflow/omflow_patch_1_2_0_0.tar.gz",
        "1.2.0.1": "/srv/omflow/omflow_patch_1_2_0_1.tar.gz",
      },
      ...DATABASE_EXAMPLES,
      runningCheck: "/opt/omflow/server/omflow_server status",
    },
  },
};
