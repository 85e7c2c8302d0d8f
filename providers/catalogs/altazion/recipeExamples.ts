// Example option sets the README's recipe tables plan with (`<!-- recipe ... example=<name> -->`), so the
// steps that only options add are shown: the users told before and after (options.notify), a customised
// database updated from the site's reviewed scripts (options.database), and the install-loop remedy
// (options.remedy). A legal stack's `options` (tests/unit/docs/recipeExamples.test.ts runs it through
// preview's checks). The site's commands are written as the site's own scripts.
import { RecipeExamples } from "../../recipeTable";

const portal = {
  listedPattern: '<form[^>]*data-module="{module}"',
  installingPattern: 'class="installing"[^>]*>{module}<',
  install: { method: "POST", path: "/Updates/Install", fields: { module: "{module}" }, tokensFromPage: ["__RequestVerificationToken"] },
};

export const ALTAZION_RECIPE_EXAMPLES: RecipeExamples = {
  noticesAndDatabase: {
    linux: {
      modules: [
        { name: "database", target: "5.2.0.0", folder: "/srv/altazion/database" },
        { name: "ecommerce", target: "5.2.0.0", folder: "/srv/altazion/ecommerce", pools: ["Ecommerce"] },
      ],
      portal,
      statusFile: { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" },
      applicationsFile: { element: "Application", moduleAttribute: "Name", pathAttribute: "Path" },
      notify: '/srv/site/altazion/notify "$UPCHAIN_NOTICE"',
      remedy: true,
      database: {
        sqlCommand: "/srv/site/altazion/run-sql",
        backupCommand: "/srv/site/altazion/backup-database",
        restoreCommand: "/srv/site/altazion/restore-database",
        scriptsFolder: "/srv/altazion-sql/{version}",
        reviewedScripts: [{ name: "001_schema.sql", sha256: "0".repeat(64) }],
      },
    },
  },
};
