// Options are parsed into problems with `options.` paths, all at once, and never into a raw ZodError.
import * as assert from "assert";
import { z } from "zod";
import { isUpchainError } from "../../../providers/errors";
import { checkOptions, issuesToProblems, parseOptions } from "../../../providers/options/parse";
import { absolutePath } from "../../../providers/options/paths";
import { expecting, strictOptions } from "../../../providers/options/schema";

const schema = strictOptions(
  {
    installDir: absolutePath("linux", "/opt/x").default("/opt/x"),
    backupDir: absolutePath("linux", "/var/backups/x").default("/var/backups/x"),
    databasePaths: z.array(absolutePath("linux"), expecting("a list of absolute paths")).optional(),
    nested: strictOptions({ name: z.string(expecting("a name")).optional() }, "an object with a name").default({}),
  },
  "an object of test options",
);
type Options = z.infer<typeof schema>;
const insideRule = (o: Partial<Options>) =>
  o.backupDir && o.installDir && o.backupDir.startsWith(o.installDir + "/") ? [{ path: "options.backupDir", message: "inside installDir" }] : [];

describe("option parsing: every problem at once, with options. paths", () => {
  it("two unknown keys in one object become two problems, each naming its key and its suggestion", () => {
    const r = schema.safeParse({ instalDir: "/a", backupDirr: "/b" });
    assert.ok(!r.success);
    assert.deepStrictEqual(issuesToProblems(r.error.issues), [
      { path: "options.instalDir", message: "is not an option; did you mean `installDir`?" },
      { path: "options.backupDirr", message: "is not an option; did you mean `backupDir`?" },
    ]);
  });

  it("an unknown key in a nested object is named with its full path", () => {
    const c = checkOptions<Options>(schema, { nested: { nmae: "x" } }, () => []);
    assert.deepStrictEqual(c.problems, [{ path: "options.nested.nmae", message: "is not an option; did you mean `name`?" }]);
  });

  it("a wrong type reads expected/got, a bad list element is named by its index, and a cross-field rule still runs", () => {
    const c = checkOptions<Options>(schema, { installDir: "/srv/app", backupDir: "/srv/app/bk", databasePaths: ["/ok", "rel"], nested: 3 }, insideRule);
    assert.deepStrictEqual(
      c.problems.map((p) => p.path),
      ["options.databasePaths[1]", "options.nested", "options.backupDir"],
    );
    assert.strictEqual(c.problems[1].message, "expected an object with a name, got a number");
    assert.strictEqual(c.problems[2].message, "inside installDir");
    assert.ok(c.failed.has("databasePaths") && c.failed.has("nested") && !c.failed.has("installDir"));
  });

  it("parseOptions throws one UpchainError INVALID_INPUT listing every problem, never a ZodError", () => {
    assert.throws(
      () => parseOptions<Options>(schema, { installDir: 5, databasePaths: "db", oops: 1 }, insideRule),
      (e: unknown) => {
        assert.ok(isUpchainError(e, "INVALID_INPUT"), `got ${String(e)}`);
        assert.deepStrictEqual(e.message.split("\n"), [
          "options.installDir: expected an absolute path, got a number",
          "options.databasePaths: expected a list of absolute paths, got a string",
          "options.oops: is not an option; the options here are `installDir`, `backupDir`, `databasePaths`, `nested`",
        ]);
        return true;
      },
    );
  });

  it("options that are not an object are one problem at options", () => {
    assert.deepStrictEqual(checkOptions<Options>(schema, "x", insideRule).problems, [
      { path: "options", message: "expected an object of test options, got a string" },
    ]);
  });

  it("valid options come back with their defaults", () => {
    assert.deepStrictEqual(parseOptions<Options>(schema, {}, insideRule), { installDir: "/opt/x", backupDir: "/var/backups/x", nested: {} });
  });
});
