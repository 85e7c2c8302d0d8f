// Local files a plan uploads are checked on this machine at preview: there, of the right kind, readable.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { localPath, localPathProblems } from "../../../providers/options/localFiles";
import { tempDir } from "../../support/localHost";
// the module object itself (an `import * as` copy has getters only), so one call can be made to fail
import nodeFs = require("fs");

describe("local files named by options", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("upchain-local-");
    fs.writeFileSync(path.join(dir, "patch.tar.gz"), "x");
    fs.mkdirSync(path.join(dir, "bundle"));
    fs.writeFileSync(path.join(dir, "bundle", "a.whl"), "x");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a file and a folder that are there and readable have no problems", () => {
    assert.deepStrictEqual(localPathProblems("options.patches", path.join(dir, "patch.tar.gz"), "file"), []);
    assert.deepStrictEqual(localPathProblems("options.offlineBundle", path.join(dir, "bundle"), "folder"), []);
    assert.deepStrictEqual(localPathProblems("options.uploads[0].source", path.join(dir, "bundle"), "file or folder"), []);
  });

  it("a missing file is named with its field and said to be missing on this machine", () => {
    const missing = path.join(dir, "nope.tar.gz");
    assert.deepStrictEqual(localPathProblems('options.patches["1.2.0.1"]', missing, "file"), [
      { path: 'options.patches["1.2.0.1"]', message: `"${missing}" does not exist on this machine (the one running pulumi)` },
    ]);
  });

  it("a folder where a file is expected, and a file where a folder is expected, are refused", () => {
    assert.match(localPathProblems("f", path.join(dir, "bundle"), "file")[0].message, /is a folder; give a file/);
    assert.match(localPathProblems("f", path.join(dir, "patch.tar.gz"), "folder")[0].message, /is not a folder/);
  });

  it("a folder holding something the upload could not read (a dangling link) names it", () => {
    fs.symlinkSync(path.join(dir, "gone"), path.join(dir, "bundle", "link.whl"));
    const [p] = localPathProblems("options.offlineBundle", path.join(dir, "bundle"), "folder");
    assert.strictEqual(p.path, "options.offlineBundle");
    assert.match(p.message, /cannot be read on this machine .*link\.whl/);
  });

  it("a local path must be absolute (either convention) and one line", () => {
    assert.ok(localPath().safeParse("/srv/p.tar.gz").success);
    assert.ok(localPath().safeParse("C:\\updates\\OMFLOW 1.1.6.3.exe").success);
    for (const bad of ["", "p.tar.gz", "../p.tar.gz", "/srv/p\n.tar.gz"]) {
      const r = localPath().safeParse(bad);
      assert.ok(!r.success, `accepted ${JSON.stringify(bad)}`);
      assert.match(r.error.issues[0].message, /is not an absolute path on this machine/);
    }
  });

  it("the root folder of this machine is refused, however it is written (preview would read the whole disk)", () => {
    for (const root of ["/", "//", "/..", "/../", "/tmp/..", "C:\\", "C:\\.."]) {
      const r = localPath().safeParse(root);
      assert.ok(!r.success, `accepted ${JSON.stringify(root)}`);
      assert.match(r.error.issues[0].message, /is the root folder of this machine \(the one running pulumi\): give the file or folder itself/);
    }
    assert.ok(localPath().safeParse("/srv").success, "a folder just below the root is still a folder of its own");
  });

  it("a folder inside that cannot be listed (readdir refuses what access() allows, as /proc does for root) is named, not thrown", () => {
    const locked = path.join(dir, "bundle", "locked");
    fs.mkdirSync(locked);
    const readdirSync = nodeFs.readdirSync;
    (nodeFs as { readdirSync: unknown }).readdirSync = (p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p) === locked) throw Object.assign(new Error(`EACCES: permission denied, scandir '${locked}'`), { code: "EACCES" });
      return (readdirSync as (...a: unknown[]) => unknown)(p, ...rest);
    };
    try {
      const [p, ...rest] = localPathProblems("options.offlineBundle", path.join(dir, "bundle"), "folder");
      assert.deepStrictEqual(rest, []);
      assert.strictEqual(p.path, "options.offlineBundle");
      assert.match(p.message, new RegExp(`cannot be read on this machine .*"${locked}"`));
    } finally {
      (nodeFs as { readdirSync: unknown }).readdirSync = readdirSync;
    }
  });
});
