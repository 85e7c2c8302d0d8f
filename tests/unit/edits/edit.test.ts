import * as assert from "assert";
import fc from "fast-check";
import { apacheArgumentFor, readApacheArgument, setWsgiModulePath } from "../../../providers/edits/edit";
import { isUpchainError } from "../../../providers/errors";
import { editError, edited } from "../../support/edited";

const conf = `# site\n    LoadModule wsgi_module /opt/omflow/python/lib/python3.8/site-packages/mod_wsgi/server/mod_wsgi-py38.so # old\nWSGIPythonHome /opt/omflow/python\n`;
const newPath = "/opt/omflow/python/lib/python3.11/site-packages/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so";

describe("setWsgiModulePath (pure edit)", () => {
  it("points the LoadModule line at the new module, keeping indentation and the trailing comment", () => {
    const r = edited(setWsgiModulePath(conf, newPath));
    assert.strictEqual(r.changed, true);
    assert.strictEqual(r.before, conf);
    assert.strictEqual(r.after, conf.replace(/\/opt\/omflow\/python\/lib\/python3\.8\S+/, newPath));
    assert.match(r.after, /^    LoadModule wsgi_module \S+ # old$/m);
  });
  it("is idempotent: applied twice, the second changes nothing", () => {
    const once = edited(setWsgiModulePath(conf, newPath)).after;
    const twice = edited(setWsgiModulePath(once, newPath));
    assert.strictEqual(twice.changed, false);
    assert.strictEqual(twice.after, once);
  });
  it("adds the line at the top when the file has none", () => {
    const r = edited(setWsgiModulePath("WSGIPythonHome /x\n", "/m.so"));
    assert.strictEqual(r.after, "LoadModule wsgi_module /m.so\nWSGIPythonHome /x\n");
  });
  it("quotes a path with spaces", () => {
    assert.match(edited(setWsgiModulePath(conf, "/opt/my env/m.so")).after, /LoadModule wsgi_module "\/opt\/my env\/m\.so" # old/);
  });
  const table: { name: string; before: string; path: string; after: string }[] = [
    {
      name: "a quoted old path with spaces is replaced whole, keeping the trailing comment",
      before: 'LoadModule wsgi_module "/opt/my omflow/mod wsgi.so" # ours\n',
      path: "/opt/omflow/mod_wsgi.so",
      after: "LoadModule wsgi_module /opt/omflow/mod_wsgi.so # ours\n",
    },
    {
      name: "a single-quoted old path is replaced whole",
      before: "  LoadModule wsgi_module '/opt/a b/m.so'\n",
      path: "/m.so",
      after: "  LoadModule wsgi_module /m.so\n",
    },
    {
      name: "an old path with an escaped quote inside is replaced whole",
      before: 'LoadModule wsgi_module "/opt/a\\"b/m.so" # c\n',
      path: "/m.so",
      after: "LoadModule wsgi_module /m.so # c\n",
    },
    {
      name: "a new path with spaces is double-quoted",
      before: "LoadModule wsgi_module /old.so\n",
      path: "/opt/my omflow/mod wsgi.so",
      after: 'LoadModule wsgi_module "/opt/my omflow/mod wsgi.so"\n',
    },
    {
      name: "a new path with a double quote or backslash has them escaped for Apache",
      before: "LoadModule wsgi_module /old.so # keep\n",
      path: '/opt/a"b\\c.so',
      after: 'LoadModule wsgi_module "/opt/a\\"b\\\\c.so" # keep\n',
    },
    {
      name: "a line already naming the path, quoted differently, is left as it is",
      before: 'LoadModule wsgi_module "/m.so"\n',
      path: "/m.so",
      after: 'LoadModule wsgi_module "/m.so"\n',
    },
    {
      name: "Windows line endings stay",
      before: "LoadModule wsgi_module /old.so\r\nX y\r\n",
      path: "/new.so",
      after: "LoadModule wsgi_module /new.so\r\nX y\r\n",
    },
    {
      name: "a commented-out line is not a LoadModule line",
      before: "# LoadModule wsgi_module /old.so\n",
      path: "/a b.so",
      after: 'LoadModule wsgi_module "/a b.so"\n# LoadModule wsgi_module /old.so\n',
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const r = edited(setWsgiModulePath(t.before, t.path));
      assert.strictEqual(r.after, t.after);
      assert.strictEqual(r.changed, t.before !== t.after);
    });
  }
  it("refuses a path Apache cannot read on one line, naming it: an error of the step, not an edit", () => {
    for (const bad of ["", "/a\nb.so", "/a\0.so"]) {
      assert.match(
        editError(setWsgiModulePath(conf, bad)),
        /^the wsgi module path .* cannot be written in an Apache configuration line: give a non-empty path without line breaks or NUL$/s,
      );
      assert.throws(
        () => apacheArgumentFor(bad),
        (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /wsgi module path/.test((e as Error).message),
      );
    }
  });

  const pathArb = fc.string({ minLength: 1, maxLength: 30 }).filter((p) => !/[\r\n\0]/.test(p));
  const lineArb = fc.oneof(
    fc.constantFrom(
      "# comment",
      "",
      "WSGIPythonHome /opt/x",
      "  LoadModule wsgi_module /old.so # c",
      'LoadModule wsgi_module "/a b/c.so"',
      "LoadModule ssl_module x.so",
    ),
    pathArb.map((p) => `LoadModule wsgi_module ${apacheArgumentFor(p)}`),
    fc.string({ maxLength: 30 }).filter((l) => !/[\r\n]/.test(l)),
  );
  it("property: written paths read back, through Apache's rules, as the path itself", () => {
    fc.assert(
      fc.property(pathArb, (p) => readApacheArgument(apacheArgumentFor(p)) === p),
      { numRuns: 500 },
    );
  });
  it("property: idempotent (applying twice is applying once), and every LoadModule wsgi_module line then names the path", () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 8 }), pathArb, (lines, p) => {
        const text = lines.join("\n");
        const once = edited(setWsgiModulePath(text, p)).after;
        const twice = edited(setWsgiModulePath(once, p));
        const named = once.split("\n").filter((l) => /^[ \t]*LoadModule[ \t]+wsgi_module[ \t]+/i.test(l));
        const read = (l: string) =>
          readApacheArgument(
            l.replace(/^[ \t]*LoadModule[ \t]+wsgi_module[ \t]+/i, "").match(/^("(?:\\[^\r\n]|[^"\\\r\n])*"?|'(?:\\[^\r\n]|[^'\\\r\n])*'?|\S+)/)![0],
          );
        return !twice.changed && twice.after === once && named.length >= 1 && named.every((l) => read(l) === p);
      }),
      { numRuns: 500 },
    );
  });
});
