// Example option sets the README's recipe tables plan with (`<!-- recipe ... example=<name> -->`), so the
// steps that only options add are shown: the operator console (運転席) started and checked after the
// upgrade. A legal stack's `options` (tests/unit/docs/recipeExamples.test.ts runs it through preview's
// checks). The site's commands are written as the site's own scripts: upchain knows nothing of them.
import { RecipeExamples } from "../../recipeTable";

export const GROUPMAX_RECIPE_EXAMPLES: RecipeExamples = {
  operatorConsole: {
    windows: {
      installers: {
        objectServer: "& 'C:\\site\\groupmax\\install-object-server.ps1'",
        addressServer: "& 'C:\\site\\groupmax\\install-address-server.ps1'",
        mailServer: "& 'C:\\site\\groupmax\\install-mail-server.ps1'",
      },
      addressMailSetup: "& 'C:\\site\\groupmax\\address-mail-setup.ps1'",
      installDirs: ["C:\\Groupmax"],
      databasePaths: ["C:\\Groupmax\\db"],
      journalDir: "C:\\Groupmax\\journal",
      operatorConsole: true,
      windowsServices: {
        objectServer: "Groupmax Object Server",
        address: "Groupmax Address Server",
        server: "Groupmax Mail Server",
        console: "Groupmax Operator Console",
      },
    },
  },
};
