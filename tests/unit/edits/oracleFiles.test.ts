import * as assert from "assert";
import { applyNamedEdit } from "../../../providers/edits/index";
import { setJvmMaxHeap, setReportsServerName, setStartAtBoot } from "../../../providers/edits/oracleFiles";
import { editError } from "../../support/edited";

const ok = <T>(r: T | { error: string }): T => {
  assert.ok(!(r && typeof r === "object" && "error" in r), JSON.stringify(r));
  return r as T;
};

describe("oracle files: oratab start at boot", () => {
  const value = { on: "/u01/app/oracle/product/10.1.2", off: "/u01/app/oracle/product/9.0.2" };
  it("flags the destination Y (adding its line) and the source N, keeping comments and other homes", () => {
    const before = "# oratab\n*:/u01/app/oracle/product/9.0.2:Y\norcl:/u02/db:Y\n";
    const r = ok(setStartAtBoot(before, value));
    assert.strictEqual(r.after, "# oratab\n*:/u01/app/oracle/product/9.0.2:N\norcl:/u02/db:Y\n*:/u01/app/oracle/product/10.1.2:Y\n");
    assert.strictEqual(ok(setStartAtBoot(r.after, value)).changed, false, "a second run changes nothing");
  });
  it("a home whose path is a prefix of another's is not confused with it", () => {
    const before = "*:/u01/app/oracle/product/9.0.2.old:Y\n*:/u01/app/oracle/product/9.0.2:Y\n";
    const r = ok(setStartAtBoot(before, value));
    assert.match(r.after, /^\*:\/u01\/app\/oracle\/product\/9\.0\.2\.old:Y$/m);
    assert.match(r.after, /^\*:\/u01\/app\/oracle\/product\/9\.0\.2:N$/m);
  });
  it("a value that is not { on, off } is an error, not an edit", () => {
    for (const text of ["nonsense", "{}", '{"on":"/u01/a"}', '{"on":"","off":"/u01/b"}', "null"]) {
      assert.strictEqual(editError(applyNamedEdit("oratab-start-at-boot", "", text)), "the start-at-boot edit needs { on, off } homes", text);
    }
    assert.ok("error" in setStartAtBoot("", { on: "", off: "/u01/b" }));
  });
});

describe("oracle files: Oc4jPlugin.cfg heap", () => {
  const cfg = '<JavaVM> <JVMproperties property="-Xms256m"/> <JVMproperties property="-Xmx512m"/> </JavaVM>';
  it("raises -Xmx as the document shows, and only -Xmx", () => {
    const r = ok(setJvmMaxHeap(cfg, "1024m"));
    assert.strictEqual(r.after, '<JavaVM> <JVMproperties property="-Xms256m"/> <JVMproperties property="-Xmx1024m"/> </JavaVM>');
    assert.strictEqual(ok(setJvmMaxHeap(r.after, "1024m")).changed, false);
  });
  it("adds -Xmx inside <JavaVM> when it is missing", () =>
    assert.match(ok(setJvmMaxHeap("<JavaVM>\n</JavaVM>", "2g")).after, /<JavaVM> <JVMproperties property="-Xmx2g"\/>/));
  it("refuses a size that is not one, and a file without <JavaVM>", () => {
    assert.ok("error" in (setJvmMaxHeap(cfg, "1024m; rm -rf /") as object));
    assert.ok("error" in (setJvmMaxHeap("<x/>", "1024m") as object));
  });
});

describe("oracle files: Reports server name in targets.xml", () => {
  const xml =
    '<Targets>\n<Target TYPE="oracle_repserv" NAME="h.acme.com_Reports_Server: rep_h_ias1012" DISPLAY_NAME="Reports Server: rep_h_ias1012" VERSION="1.0">\n' +
    '<Property NAME="IASInternalName" VALUE="rep_h_ias1012"/>\n</Target>\n<Target TYPE="oracle_ias" NAME="rep_h_ias1012-other"/>\n</Targets>\n';
  it("puts the original name back in every place of the oracle_repserv target, and nowhere else", () => {
    const r = ok(setReportsServerName(xml, "repserver90"));
    assert.strictEqual((r.after.match(/repserver90/g) ?? []).length, 3);
    assert.match(r.after, /NAME="rep_h_ias1012-other"/, "another target is left alone");
    assert.strictEqual(ok(setReportsServerName(r.after, "repserver90")).changed, false);
  });
  it("no Reports (no name): nothing to do", () => assert.strictEqual(ok(setReportsServerName(xml, "")).changed, false));
  it("a name from the host that is not a plain name is refused, not written", () => {
    for (const bad of ['x" evil="1', "a b", "a\nb", "$(reboot)"]) assert.ok("error" in (setReportsServerName(xml, bad) as object), bad);
  });
});
