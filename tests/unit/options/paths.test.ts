// Paths on the server: absolute, normalised, not a root, no control characters; checked per platform.
import * as assert from "assert";
import fc from "fast-check";
import * as path from "path";
import { absolutePath, isSameOrInside, posixPathProblem, systemFolderProblem, windowsPathProblem } from "../../../providers/options/paths";

describe("POSIX path options", () => {
  for (const ok of ["/opt/omflow", "/var/backups/up chain", "/opt/group max's", "/a", "/opt/omflow/sub-dir.v2", "/opt/ümlaut/日本"]) {
    it(`${JSON.stringify(ok)} is accepted`, () => assert.strictEqual(posixPathProblem(ok), undefined));
  }

  const refused: [string, RegExp][] = [
    ["", /is empty: give an absolute path, like \/opt\/omflow/],
    ["/", /is the root folder \/: give a folder of its own/],
    ["//", /is the root folder/],
    ["..", /is not absolute: give the full path from \//],
    ["opt/omflow", /is not absolute/],
    ["./opt", /is not absolute/],
    ["/opt/omflow/", /is not normalised .*: write "\/opt\/omflow"/],
    ["/opt//omflow", /is not normalised .*: write "\/opt\/omflow"/],
    ["/opt/./omflow", /is not normalised/],
    ["/opt/omflow/..", /is not normalised .*: write "\/opt"/],
    ["/opt/../etc", /is not normalised .*: write "\/etc"/],
    ["/opt/om\nflow", /holds a control character \("\\n" at position 8\)/],
    ["/opt/om\0flow", /holds a control character \("\\0"/],
    ["/opt/om\u0085flow", /control character \("\\u0085"/],
    ["/opt/om\u2028flow", /control character/],
    ["/opt/om\u001bflow", /control character/],
  ];
  for (const [bad, why] of refused) {
    it(`${JSON.stringify(bad)} is refused: ${why.source}`, () => {
      const m = posixPathProblem(bad);
      assert.ok(m, `accepted ${JSON.stringify(bad)}`);
      assert.match(m, why);
      assert.ok(!/[\n\0\u2028]/.test(m), "the message never holds the control character raw");
    });
  }

  it("any accepted path is absolute, its own normal form, not /, and free of control characters (fast-check)", () => {
    const piece = fc.constantFrom("/", "//", ".", "..", "a", "b c", "'", "$(x)", "\n", "\0", "\u202e", "-", "é", "\u001f");
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((a) => a.join("")),
        (p) => {
          if (posixPathProblem(p) !== undefined) return true;
          return p.startsWith("/") && p !== "/" && path.posix.normalize(p) === p && !p.endsWith("/") && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(p);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("Windows path options", () => {
  for (const ok of ["C:\\Program Files\\OMFLOW Server", "D:\\it's db", "c:\\x", "C:\\Group max's\\VERSION"]) {
    it(`${JSON.stringify(ok)} is accepted`, () => assert.strictEqual(windowsPathProblem(ok), undefined));
  }

  it("the %SystemRoot%\\... services file is accepted where a variable is allowed, and refused elsewhere", () => {
    const services = "%SystemRoot%\\System32\\drivers\\etc\\services";
    assert.strictEqual(windowsPathProblem(services, undefined, true), undefined);
    assert.match(windowsPathProblem(services) ?? "", /is not a full Windows path: start it with its drive/);
    assert.match(windowsPathProblem("%SystemRoot%", undefined, true) ?? "", /not a full Windows path/);
    assert.match(windowsPathProblem("%SystemRoot%\\..\\x", undefined, true) ?? "", /not normalised/);
  });

  const refused: [string, RegExp][] = [
    ["", /is empty/],
    ["C:\\", /is a drive root/],
    ["C:", /not a full Windows path/],
    ["Groupmax", /not a full Windows path: start it with its drive/],
    ["\\\\server\\share\\x", /not a full Windows path/],
    ["\\Groupmax", /not a full Windows path/],
    ["C:/pkg/gm6.zip", /uses "\/": write Windows paths with backslashes, "C:\\pkg\\gm6.zip"/],
    ["C:\\Groupmax\\", /not normalised/],
    ["C:\\Group\\\\max", /not normalised/],
    ["C:\\Groupmax\\..\\Windows", /not normalised/],
    ["C:\\Groupmax\\.", /not normalised/],
    ["C:\\Groupmax.", /not normalised/],
    ["C:\\Groupmax \\db", /not normalised/],
    ["C:\\Group:max", /not normalised/],
    ["C:\\Group*", /not normalised/],
    ["C:\\Group\r\nmax", /control character \("\\r"/],
  ];
  for (const [bad, why] of refused) {
    it(`${JSON.stringify(bad)} is refused: ${why.source}`, () => assert.match(windowsPathProblem(bad) ?? "(accepted)", why));
  }
});

describe("path containment", () => {
  it("POSIX compares by whole segments and with case", () => {
    assert.ok(isSameOrInside("/opt/omflow", "/opt/omflow", "linux"));
    assert.ok(isSameOrInside("/opt/omflow/bk", "/opt/omflow", "linux"));
    assert.ok(!isSameOrInside("/opt/omflow-backups", "/opt/omflow", "linux"), "a sibling sharing a prefix is not inside");
    assert.ok(!isSameOrInside("/opt/OMFLOW/bk", "/opt/omflow", "linux"));
  });
  it("Windows compares by whole segments and without case", () => {
    assert.ok(isSameOrInside("c:\\groupmax\\BK", "C:\\Groupmax", "windows"));
    assert.ok(!isSameOrInside("C:\\Groupmax2", "C:\\Groupmax", "windows"));
  });
});

describe("paths the restore removes", () => {
  it("a folder of the system itself is refused, with the product's own folder as the example", () => {
    for (const p of ["/opt", "/usr", "/var", "/etc", "/var/lib", "/usr/local", "/home"]) {
      assert.match(
        systemFolderProblem(p, "linux", "/opt/groupmax") ?? "(accepted)",
        /is a folder of the system itself, and the restore removes this path .*like \/opt\/groupmax/,
        p,
      );
    }
    for (const p of ["C:\\Windows", "c:\\program files", "C:\\Program Files (x86)", "C:\\ProgramData", "C:\\Users", "C:\\Windows\\System32"]) {
      assert.ok(systemFolderProblem(p, "windows"), p);
    }
  });

  it("the product's own folders are accepted", () => {
    for (const p of ["/opt/groupmax", "/var/opt/groupmax/db", "/data", "/srv/omflow"]) assert.strictEqual(systemFolderProblem(p, "linux"), undefined, p);
    for (const p of ["C:\\Groupmax", "C:\\Program Files\\OMFLOW Server", "D:\\Groupmax", "C:\\Windows Apps"])
      assert.strictEqual(systemFolderProblem(p, "windows"), undefined, p);
  });

  it("only a schema for a path the restore removes refuses them", () => {
    assert.ok(absolutePath("linux").safeParse("/var").success);
    const r = absolutePath("linux", "/opt/omflow", { removedByRestore: true }).safeParse("/var");
    assert.ok(!r.success);
    assert.match(r.error.issues[0].message, /folder of the system itself/);
  });
});
