// The option building blocks: a site's command is taken as written (trimmed), but a NUL byte in it is
// refused at preview, since no shell can run it as given.
import * as assert from "assert";
import { command } from "../../../providers/options/schema";

describe("a site's command option", () => {
  const schema = command("a command");

  it("is taken as written, trimmed, quotes and substitutions and newlines included", () => {
    for (const c of [`sh /var/tmp/gmx6/install.sh 'it''s' "$(date)" \`id\``, "line one\nline two"]) assert.strictEqual(schema.parse(`  ${c}\n`), c);
  });

  it("a NUL byte anywhere is refused with its position and what to give", () => {
    for (const [value, position] of [
      ["\0", 1],
      ["install\0 mail", 8],
      ["x".repeat(300) + "\0", 301],
    ] as const) {
      const r = schema.safeParse(value);
      assert.ok(!r.success, JSON.stringify(value));
      assert.strictEqual(
        r.error.issues[0].message,
        `holds a NUL byte (at position ${position}), which no shell can run as written: remove it and give a command`,
      );
    }
  });

  it("an empty or blank command is refused as empty", () => {
    for (const value of ["", "  \n"]) {
      const r = schema.safeParse(value);
      assert.ok(!r.success);
      assert.strictEqual(r.error.issues[0].message, "is empty: give a command");
    }
  });
});
