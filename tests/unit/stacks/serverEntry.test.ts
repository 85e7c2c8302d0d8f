// The checks of a server's entry that need its catalog but no host: here, the installed version's
// fields (versionCommand and current), each named as the stack file has it.
import * as assert from "assert";
import { serverEntryProblems } from "../../../stacks/serverEntry";
import { issueField } from "../../../stacks/issues";

const omflow = { name: "wf", host: "10.0.0.1", product: "omflow", version: "1.2.0.1" };
const lines = (entry: unknown) => serverEntryProblems(entry, 2).map((i) => `${issueField(i)}: ${i.message}`);

describe("a server entry's version source fields", () => {
  const cases: { name: string; entry: Record<string, unknown>; want: RegExp[] }[] = [
    {
      name: "an OMFLOW server with current and versionCommand has no problem with them",
      entry: { ...omflow, current: "1.1.6.1", versionCommand: "cat /etc/omflow-release" },
      want: [],
    },
    {
      name: "a Groupmax server's current is read as a VV-RR version",
      entry: { name: "gm", host: "h", product: "groupmax", version: "06-00", current: "02-00" },
      want: [],
    },
    {
      name: "an OMFLOW current that is not a version names the field and the scheme",
      entry: { ...omflow, current: "1.1" },
      want: [/^upchain:servers\[2\]\.current: "1\.1" is not an OMFLOW version \(4 numbers separated by dots/],
    },
    // 004 names no file or command holding the installed release (issue 18): the site's versionCommand or current says it
    {
      name: "an Oracle AS server takes versionCommand and current, as its document names no version source",
      entry: { name: "oas", host: "h", product: "oracle-as", version: "10.1.2", current: "9.0.4", versionCommand: "x" },
      want: [],
    },
    {
      name: "an Altazion Office server takes versionCommand and current: 003 names no installed version (status.xml holds what the service detected)",
      entry: {
        name: "az",
        host: "h",
        product: "altazion-office",
        modules: [{ name: "ecommerce", version: "latest", folder: "/srv/altazion/ecommerce" }],
        current: "ecommerce=5.1.0.0",
        versionCommand: "altazion-versions",
      },
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = lines(c.entry).filter((l) => /versionCommand|current/.test(l));
      assert.strictEqual(got.length, c.want.length, got.join("\n"));
      c.want.forEach((w, i) => assert.match(got[i], w));
    });
  }
});
