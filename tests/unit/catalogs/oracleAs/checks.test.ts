// Preview's read-only looks at an Oracle AS host, run with sh against a fake home in a temp folder
// (paths with spaces and quotes), and judged: the Infrastructure's release, reachability, a taken
// destination, another active EM home. What the host answers is data, never run.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { oracleHostChecks } from "../../../../providers/catalogs/oracleAs/checks";
import { oracleAsOptions } from "../../../../providers/catalogs/oracleAs/options";
import { PlanContext } from "../../../../providers/engine/catalog";
import { planUpgrade } from "../../../../providers/engine/planner";
import { hostCheckProblems } from "../../../../providers/engine/precheck";
import { LocalHost } from "../../../support/localHost";

const ctx: PlanContext = { platform: "linux", releases: ["9.0.2.3", "10.1.2"], options: {} };
const hop = (from: string, to = "10.1.2") => [{ from, to, rule: { id: "r", text: "t", source: "s" } }];

function fakeHost(props: string, ldap: string): { home: string; dest: string; emtab: string; root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-oracle 'x' "));
  const home = path.join(root, "ias 902");
  fs.mkdirSync(path.join(home, "config"), { recursive: true });
  fs.mkdirSync(path.join(home, "bin"));
  fs.writeFileSync(path.join(home, "config", "ias.properties"), props);
  fs.writeFileSync(path.join(home, "bin", "ldapsearch"), `#!/bin/sh\n${ldap}\n`, { mode: 0o755 });
  return { home, dest: path.join(root, "ias 1012"), emtab: path.join(root, "emtab"), root };
}

async function problemsFor(from: string, props: string, ldap: string, prepare?: (h: ReturnType<typeof fakeHost>) => void) {
  const h = fakeHost(props, ldap);
  prepare?.(h);
  try {
    const o = oracleAsOptions({ sourceHome: h.home, destinationHome: h.dest, emtab: h.emtab }, "linux");
    return await hostCheckProblems(new LocalHost(), oracleHostChecks(o, hop(from), ctx));
  } finally {
    fs.rmSync(h.root, { recursive: true, force: true });
  }
}

const infra = "Version=9.0.2.0.0\nOIDhost=infra.example\nOIDport=389\n";
const answers = (v: string) => `[ "$2" = infra.example ] && [ "$4" = 389 ] || exit 9\necho 'orcldirectoryversion=OID ${v}'`;

describe("oracle-as: preview's host checks", () => {
  it("a 9.0.2 middle tier whose Infrastructure lacks the patch set is refused, naming the release and the rule", async () => {
    const p = await problemsFor("9.0.2.3", infra, answers("9.0.2.0.0"));
    assert.deepStrictEqual(p.map((x) => x.path), ["options.sourceHome"]);
    assert.match(p[0].message, /Infrastructure runs 9\.0\.2\.0\.0, older than 9\.0\.2\.3.*3038037/);
  });

  it("an Infrastructure at 9.0.2.3 passes; a 9.0.4 source does not care about the 9.0.2 patch set", async () => {
    assert.deepStrictEqual(await problemsFor("9.0.2.3", infra, answers("9.0.2.3.0")), []);
    assert.deepStrictEqual(await problemsFor("9.0.4", infra, answers("9.0.4.0.0")), []);
  });

  it("an Infrastructure that does not answer is refused with what ldapsearch said", async () => {
    const p = await problemsFor("9.0.4", infra, "echo \"ldap_bind: Can't contact LDAP server\" >&2; exit 1");
    assert.match(p[0].message, /not ready: .*Can't contact LDAP server/);
  });

  it("a middle tier with no Infrastructure passes", async () => assert.deepStrictEqual(await problemsFor("9.0.4", "Version=9.0.4.0.0\n", "exit 1"), []));

  it("an OIDhost in ias.properties that is not a host name is never passed on", async () => {
    const p = await problemsFor("9.0.4", "Version=9.0.4\nOIDhost=$(touch /tmp/upchain-pwned)\nOIDport=389\n", answers("9.0.4"));
    assert.match(p[0].message, /OIDhost in ias\.properties is not a host name/);
    assert.ok(!fs.existsSync("/tmp/upchain-pwned"));
  });

  it("a reply that is not a release is not taken for one", async () => {
    const p = await problemsFor("9.0.2.3", infra, "echo 'orcldirectoryversion=OID 9.0.2.3; rm -rf /'");
    assert.match(p[0].message, /not with a release upchain can read/);
  });

  it("a destination folder holding something else is refused naming destinationHome; an earlier attempt's 10.1.2 is fine", async () => {
    const taken = await problemsFor("9.0.4", "Version=9.0.4\n", "", (h) => (fs.mkdirSync(h.dest), fs.writeFileSync(path.join(h.dest, "x"), "")));
    assert.deepStrictEqual(taken.map((x) => x.path), ["options.destinationHome"]);
    const earlier = await problemsFor("9.0.4", "Version=9.0.4\n", "", (h) => {
      fs.mkdirSync(path.join(h.dest, "config"), { recursive: true });
      fs.writeFileSync(path.join(h.dest, "config", "ias.properties"), "Version=10.1.2.0.2\n");
    });
    assert.deepStrictEqual(earlier, []);
  });

  it("another active EM home is refused for a 9.0.3 source, naming emtab", async () => {
    const p = await problemsFor("9.0.3", "Version=9.0.3\n", "", (h) => fs.writeFileSync(h.emtab, "DEFAULT=/u01/other\n"));
    assert.deepStrictEqual(p.map((x) => x.path), ["options.emtab"]);
    const mine = await problemsFor("9.0.3", "Version=9.0.3\n", "", (h) => fs.writeFileSync(h.emtab, `DEFAULT=${h.home}\n`));
    assert.deepStrictEqual(mine, []);
  });
});
