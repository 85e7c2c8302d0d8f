// The offline bundle: private on disk (0700 folders, 0600 files), and checked at preview for what the
// 1.2.0.0 hop installs from.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { assertBundleFolder, buildBundle, makePrivate, offlineBundleProblems, privateFolder } from "../../providers/bundle";
import { isUpchainError } from "../../providers/errors";
import { tempDir } from "../support/localHost";

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe("offline bundle", () => {
  let dir: string;
  let old: number;
  beforeEach(() => {
    dir = tempDir("upchain-bundle-");
    old = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(old);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const linuxBundle = () => {
    const b = path.join(dir, "bundle");
    fs.mkdirSync(path.join(b, "wheels"), { recursive: true });
    fs.writeFileSync(path.join(b, "wheels", "Django-4.2-py3-none-any.whl"), "x");
    fs.writeFileSync(path.join(b, "mod_wsgi-5.0.0.tar.gz"), "x");
    fs.mkdirSync(path.join(b, "debs"));
    fs.writeFileSync(path.join(b, "debs", "python3.11_3.11.2_amd64.deb"), "x");
    return b;
  };

  it("privateFolder creates the folder 0700 and makes an existing one 0700", () => {
    const fresh = path.join(dir, "a", "b");
    privateFolder(fresh);
    assert.strictEqual(mode(fresh), 0o700);
    const existing = path.join(dir, "open");
    fs.mkdirSync(existing, { mode: 0o755 });
    privateFolder(existing);
    assert.strictEqual(mode(existing), 0o700);
  });

  it("makePrivate leaves every folder 0700 and every file 0600, however they were written", () => {
    const b = linuxBundle();
    fs.rmSync(path.join(b, "debs"), { recursive: true });
    fs.mkdirSync(path.join(b, "debs"), { mode: 0o777 });
    fs.writeFileSync(path.join(b, "debs", "python3.11.deb"), "x", { mode: 0o755 });
    makePrivate(b);
    for (const d of [b, path.join(b, "wheels"), path.join(b, "debs")]) assert.strictEqual(mode(d), 0o700, d);
    for (const f of ["wheels/Django-4.2-py3-none-any.whl", "mod_wsgi-5.0.0.tar.gz", "debs/python3.11.deb"]) assert.strictEqual(mode(path.join(b, f)), 0o600, f);
  });

  it("--out that holds other files is refused before anything is downloaded or any mode changed", async () => {
    const other = path.join(dir, "srv");
    fs.mkdirSync(other, { mode: 0o755 });
    fs.writeFileSync(path.join(other, "site.conf"), "x", { mode: 0o644 });
    await assert.rejects(
      buildBundle({ out: other, packages: [], debs: false }, () => undefined),
      (e: unknown) => {
        assert.ok(isUpchainError(e, "INVALID_INPUT"), String(e));
        assert.match(e.message, /^--out: ".*srv" holds other files \(site\.conf\); give a new or empty folder for the bundle/);
        return true;
      },
    );
    assert.strictEqual(mode(other), 0o755);
    assert.strictEqual(mode(path.join(other, "site.conf")), 0o644);
  });

  it("--out may be new, empty, or an earlier bundle", () => {
    assert.doesNotThrow(() => assertBundleFolder(path.join(dir, "new")));
    assert.doesNotThrow(() => assertBundleFolder(dir));
    assert.doesNotThrow(() => assertBundleFolder(linuxBundle()));
  });

  it("a Linux bundle without .deb files is refused: the offline hop installs Python 3.11 with dpkg -i (001 Supplement)", () => {
    const b = linuxBundle();
    fs.rmSync(path.join(b, "debs", "python3.11_3.11.2_amd64.deb"));
    assert.match(
      offlineBundleProblems("options.offlineBundle", b, "linux")
        .map((p) => p.message)
        .join("\n"),
      /debs folder .* holds no \.deb file/,
    );
    fs.rmSync(path.join(b, "debs"), { recursive: true });
    assert.match(
      offlineBundleProblems("options.offlineBundle", b, "linux")
        .map((p) => p.message)
        .join("\n"),
      /has no debs\/ folder/,
    );
  });

  it("a Linux bundle with wheels, the mod_wsgi sdist and .deb files passes", () => {
    assert.deepStrictEqual(offlineBundleProblems("options.offlineBundle", linuxBundle(), "linux"), []);
  });

  it("a bundle without the mod_wsgi sdist, or with an empty wheels folder, is refused naming options.offlineBundle", () => {
    const b = linuxBundle();
    fs.rmSync(path.join(b, "mod_wsgi-5.0.0.tar.gz"));
    fs.rmSync(path.join(b, "wheels", "Django-4.2-py3-none-any.whl"));
    const problems = offlineBundleProblems("options.offlineBundle", b, "linux");
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["options.offlineBundle", "options.offlineBundle"],
    );
    assert.match(problems[0].message, /has no mod_wsgi sdist \(mod_wsgi-<version>\.tar\.gz\)/);
    assert.match(problems[1].message, /holds no \.whl file/);
  });

  it("a Windows bundle needs the Python 3.11 installer", () => {
    const b = linuxBundle();
    assert.match(
      offlineBundleProblems("options.offlineBundle", b, "windows")
        .map((p) => p.message)
        .join("\n"),
      /Python 3\.11 32-bit installer/,
    );
    fs.writeFileSync(path.join(b, "python-3.11.9.exe"), "x");
    assert.deepStrictEqual(offlineBundleProblems("options.offlineBundle", b, "windows"), []);
  });

  it("a bundle path that does not exist is one problem", () => {
    const problems = offlineBundleProblems("options.offlineBundle", path.join(dir, "nothing"), "linux");
    assert.strictEqual(problems.length, 1);
    assert.match(problems[0].message, /does not exist on this machine/);
  });
});
