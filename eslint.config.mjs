// Type-aware lint over the TypeScript sources (issue 21, Hygiene). Run by `npm run lint` and by .ci/run
// (scripts/lint.sh) before the tests.
import comments from "@eslint-community/eslint-plugin-eslint-comments";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    // Build output, installs and the fake products' files (shell, Python, data whose bytes matter).
    ignores: ["dist/**", "node_modules/**", "tests/fixtures/**", "bench/results/**", ".upchain/**", ".pulumi-state/**"],
  },
  {
    files: ["{providers,components,stacks,tests,bench,scripts}/**/*.ts"],
    extends: [tseslint.configs.base],
    plugins: { "@eslint-community/eslint-comments": comments },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: {
      // A disable comment that silences nothing is an error, so no exemption outlives its `any`.
      reportUnusedDisableDirectives: "error",
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          args: "after-used",
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrors: "all",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
      // An `any` needs `// eslint-disable-next-line @typescript-eslint/no-explicit-any -- <the reason>`.
      "@typescript-eslint/no-explicit-any": "error",
      "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
      "@eslint-community/eslint-comments/no-unlimited-disable": "error",
      // Of recommendedTypeChecked only this holds without churn: its unsafe-* rules (~300 findings) follow
      // JSON.parse and require(), require-await (~120) flags entries async by Pulumi's interface, and
      // no-unnecessary-type-assertion's autofix removes a cast that a narrowing needs (reconnectingHost.ts).
      "prefer-const": "error",
    },
  },
);
