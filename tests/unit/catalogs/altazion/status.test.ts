// status.xml and applicationspath.config as the controller reads them: in the shape the site
// describes (options.statusFile / options.applicationsFile: 003 says what the files hold, never how),
// in one linear pass (a hostile file once froze the controller for 18 s), refused over the cap naming
// the size, and with status.xml's versions taken exactly as written or refused, never changed.
import * as assert from "assert";
import { FILE_CAP_BYTES, OVER_CAP, readApplications, readStatus } from "../../../../providers/catalogs/altazion/status";
import { FILES, statusXml } from "./fixtures";

const PASCAL = {
  statusFile: { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" },
  applicationsFile: { element: "Application", moduleAttribute: "Name", pathAttribute: "Path" },
};
const pascalStatus = `<?xml version="1.0" encoding="utf-8"?>\r\n<Status>\r\n  <Module LastDetectedVersion="5.2.0.0" Name="ecommerce"/>\r\n  <Module\r\n    LastDetectedVersion='5.3.1.0'\r\n    Name='integration' />\r\n</Status>\r\n`;
const statusOf = (version: string) => `<status><module name="ecommerce" lastDetectedVersion="${version}"/></status>`;
const problemOf = (r: object) =>
  "problem" in r
    ? (r as { problem: string; field?: string })
    : assert.fail(`expected a problem, got ${JSON.stringify(r, (_k, v) => (v instanceof Map ? [...v] : v))}`);

/** Milliseconds `f` takes. */
function timed(f: () => unknown): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

describe("altazion status.xml and applicationspath.config, read as the site describes them", () => {
  it("reads the site's element and attributes, in any order, quoted either way, on any number of lines", () => {
    const r = readStatus(pascalStatus, PASCAL.statusFile);
    assert.ok("detected" in r, JSON.stringify(r));
    assert.deepStrictEqual(
      [...r.detected],
      [
        ["ecommerce", "5.2.0.0"],
        ["integration", "5.3.1.0"],
      ],
    );
    const apps = readApplications(
      `<Applications><Application Path="C:\\inetpub\\it&apos;s &amp; co\\" Name="ecommerce"/></Applications>`,
      PASCAL.applicationsFile,
    );
    assert.ok("declared" in apps);
    assert.deepStrictEqual([...apps.declared], [["ecommerce", "C:\\inetpub\\it's & co\\"]]);
  });

  it("a file written in another shape than the site describes is refused at options.statusFile / options.applicationsFile: no shape is assumed", () => {
    const lower = readStatus(statusXml([{ name: "ecommerce", available: "5.2.0.0" }]), PASCAL.statusFile);
    assert.strictEqual(problemOf(lower).field, "options.statusFile");
    assert.match(problemOf(lower).problem, /no <Module> element whose Name attribute names a module: .*options.statusFile does not describe it/);
    const pascal = readStatus(pascalStatus, FILES.statusFile);
    assert.strictEqual(problemOf(pascal).field, "options.statusFile");
    const noVersion = readStatus(pascalStatus, { ...PASCAL.statusFile, versionAttribute: "lastDetectedVersion" });
    assert.strictEqual(problemOf(noVersion).field, "options.statusFile.versionAttribute");
    const noPath = readApplications(`<applications><application name="ecommerce" folder="/srv/ec"/></applications>`, FILES.applicationsFile);
    assert.strictEqual(problemOf(noPath).field, "options.applicationsFile.pathAttribute");
    const none = readApplications(`<Applications><Application Name="ecommerce" Path="/srv/ec"/></Applications>`, FILES.applicationsFile);
    assert.ok("declared" in none && none.declared.size === 0, "nothing is declared in the shape the site describes");
  });

  it("comments, processing instructions and CDATA are stepped over; a DOCTYPE (entities) and an unclosed tag are refused, naming the line", () => {
    const commented = `<status>\n<!-- <module name="ecommerce" lastDetectedVersion="9.9.9.9"/> -->\n<![CDATA[<module name="ecommerce" lastDetectedVersion="8.8.8.8"/>]]>\n<module name="ecommerce" lastDetectedVersion="5.2.0.0"/>\n</status>`;
    const r = readStatus(commented, FILES.statusFile);
    assert.ok("detected" in r);
    assert.strictEqual(r.detected.get("ecommerce"), "5.2.0.0");
    assert.match(
      problemOf(readStatus(`<!DOCTYPE s [<!ENTITY v "5.2.0.0">]>\n<status><module name="ecommerce" lastDetectedVersion="&v;"/></status>`, FILES.statusFile))
        .problem,
      /a declaration \(<!DOCTYPE or <!ENTITY\), which upchain never reads \(line 1\)/,
    );
    assert.match(
      problemOf(readStatus(`<status>\n<module name="ecommerce" lastDetectedVersion="5.2.0.0"\n`, FILES.statusFile)).problem,
      /the tag <module> is not closed.*\(line 2\)/,
    );
    assert.match(
      problemOf(readApplications(`<applications><!-- <application name="ecommerce" path="/x"/>`, FILES.applicationsFile)).problem,
      /a comment is never closed \(line 1\)/,
    );
  });

  it("odd versions in status.xml are refused, not changed: 20 digits, a leading space, a line end, a leading zero, a fifth number", () => {
    for (const odd of ["99999999999999999999.1.1.1", " 5.2.0.0", "5.2.0.0\n", "5.2.0.0&#10;", "05.2.0.0", "5.2.0.0.1", "5", "5.2.0.0 "]) {
      const p = problemOf(readStatus(statusOf(odd), FILES.statusFile));
      assert.match(p.problem, /status.xml gives ecommerce a latest detected version that is not one \(".*"\): 2 to 4 numbers of at most 9 digits/, odd);
    }
    const r = readStatus(statusOf("5.2"), FILES.statusFile);
    assert.ok("detected" in r);
    assert.strictEqual(r.detected.get("ecommerce"), "5.2.0.0", "2 to 4 numbers are written with 4");
  });

  it("a file over the cap is refused naming its size and the cap, whether the host said so or the text is that long", () => {
    const said = problemOf(readStatus(`${OVER_CAP} 640000\n`, FILES.statusFile));
    assert.strictEqual(
      said.problem,
      `status.xml is 640000 bytes, over upchain's cap of ${FILE_CAP_BYTES} bytes (a node per module takes a few hundred): it is not read; look at what filled it`,
    );
    const long = `<applications>${" ".repeat(FILE_CAP_BYTES)}</applications>`;
    assert.match(
      problemOf(readApplications(long, FILES.applicationsFile)).problem,
      new RegExp(`^applicationspath.config is ${long.length} bytes, over upchain's cap of ${FILE_CAP_BYTES} bytes`),
    );
  });

  it("hostile files just under the cap are read (or refused) in linear time: under 300 ms each, where the backtracking read took seconds", () => {
    const fill = (unit: string, tail = "") => unit.repeat(Math.floor((FILE_CAP_BYTES - tail.length - 64) / unit.length)) + tail;
    const hostile = [
      fill("<module "),
      fill("<application "),
      fill(`<module name="x" `),
      fill(`<module a="`),
      fill("<!-- "),
      fill("<x/>", `<module name="ecommerce" lastDetectedVersion="5.2.0.0"/>`),
      `<module ${fill(`a="" `)}/>`,
      fill(`<module name="ecommerce"\t\t`),
    ];
    for (const text of hostile) {
      assert.ok(Buffer.byteLength(text) <= FILE_CAP_BYTES, `${text.slice(0, 20)}: ${text.length} bytes`);
      const ms = Math.max(
        timed(() => readStatus(text, FILES.statusFile)),
        timed(() => readApplications(text, FILES.applicationsFile)),
      );
      assert.ok(ms < 300, `${JSON.stringify(text.slice(0, 30))}… (${text.length} bytes) took ${ms.toFixed(0)} ms`);
    }
  });
});
