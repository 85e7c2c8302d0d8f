// Preview's read-only looks at an Oracle AS host, run with sh against a fake home in a temp folder
// (paths with spaces and quotes), and judged: the Infrastructure's release, reachability, a taken
// destination, the active EM home, and 004's tasks before 10.1.2 that only the site can confirm (a
// 9.0.2 directory's entries, mod_osso on the Web Cache port). On Windows (no host here) the same
// checks are rendered in PowerShell, parsed with the real grammar, and judged on Windows-shaped
// answers. What the host answers is data, never run.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oracleHostChecks } from "../../../../providers/catalogs/oracleAs/checks";
import { oracleAsOptions } from "../../../../providers/catalogs/oracleAs/options";
import { HostCheck, Platform, PlanContext } from "../../../../providers/engine/planning/catalog";
import { hostCheckProblems } from "../../../../providers/engine/planning/precheck";
import { LocalHost } from "../../../support/localHost";
import { assertParses, invocationsOf } from "../../../support/psParse";

const ctx: PlanContext = { platform: "linux", releases: ["9.0.2.3", "10.1.2"], options: {} };
const hop = (from: string, to = "10.1.2") => [{ from, to, rule: { id: "r", text: "t", source: "s" } }];
const confirmed = { prerequisites: { updateOid902Entries: "done", registerModOssoOnWebCachePort: "done" } };

function fakeHost(): { home: string; dest: string; emtab: string; root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-oracle 'x' "));
  const home = path.join(root, "ias 902");
  fs.mkdirSync(path.join(home, "bin"), { recursive: true });
  return { home, dest: path.join(root, "ias 1012"), emtab: path.join(root, "emtab"), root };
}

interface Look {
  prepare?: (h: ReturnType<typeof fakeHost>) => void;
  /** Options besides the homes; the site's confirmations by default. */
  options?: Record<string, unknown>;
  hops?: ReturnType<typeof hop>;
}

/**
 * The problems preview finds for a hop from `from`; `site` is the site's options.infrastructureCheck
 * (004 names no way to ask the Infrastructure: the site's read-only command, printing its release).
 */
async function problemsFor(from: string, site: string, prepareOrLook?: Look["prepare"] | Look) {
  const look: Look = typeof prepareOrLook === "function" ? { prepare: prepareOrLook } : (prepareOrLook ?? {});
  const h = fakeHost();
  look.prepare?.(h);
  try {
    const o = oracleAsOptions(
      { sourceHome: h.home, destinationHome: h.dest, emtab: h.emtab, infrastructureCheck: site, ...(look.options ?? confirmed) },
      "linux",
    );
    return await hostCheckProblems(new LocalHost(), oracleHostChecks(o, look.hops ?? hop(from), ctx));
  } finally {
    fs.rmSync(h.root, { recursive: true, force: true });
  }
}

/** A site check that finds the Infrastructure up at release `v`. */
const answers = (v: string) => `echo ${v}`;
/** The middle tier uses no Infrastructure. */
const noInfra = "none";

describe("oracle-as: preview's host checks", () => {
  it("a 9.0.2 middle tier whose Infrastructure lacks the patch set is refused, naming the site's check, the release and the rule", async () => {
    const p = await problemsFor("9.0.2.3", answers("9.0.2.0.0"));
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.infrastructureCheck"],
    );
    assert.match(p[0].message, /Infrastructure runs 9\.0\.2\.0\.0, older than 9\.0\.2\.3.*3038037/);
  });

  it("an Infrastructure at 9.0.2.3 passes; a 9.0.4 source does not care about the 9.0.2 patch set", async () => {
    assert.deepStrictEqual(await problemsFor("9.0.2.3", answers("9.0.2.3.0")), []);
    assert.deepStrictEqual(await problemsFor("9.0.4", answers("9.0.4.0.0")), []);
  });

  it("an Infrastructure the site's check finds down is refused with what the check said", async () => {
    const p = await problemsFor("9.0.4", 'echo "ldap_bind: Can\'t contact LDAP server" >&2; exit 1');
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.infrastructureCheck"],
    );
    assert.match(p[0].message, /not ready: options\.infrastructureCheck exited 1 \(.*Can't contact LDAP server.*\); start it first/);
  });

  it("a middle tier with no Infrastructure (infrastructureCheck: none) is asked nothing about it", async () => {
    assert.deepStrictEqual(await problemsFor("9.0.4", noInfra), []);
    const h = fakeHost();
    try {
      const o = oracleAsOptions({ sourceHome: h.home, destinationHome: h.dest, emtab: h.emtab, infrastructureCheck: noInfra, ...confirmed }, "linux");
      assert.ok(!oracleHostChecks(o, hop("9.0.4"), ctx).some((c) => c.id === "infrastructure"));
    } finally {
      fs.rmSync(h.root, { recursive: true, force: true });
    }
  });

  it("what the site's check prints is data: a line that is not a release alone is not taken for one, and nothing in it runs", async () => {
    const p = await problemsFor("9.0.2.3", "echo 'OID 9.0.2.3; rm -rf /'; echo '$(touch /tmp/upchain-pwned)'");
    assert.match(p[0].message, /exited 0 but printed no release .*make it print the Infrastructure's release, like 9\.0\.2\.3/);
    assert.ok(!fs.existsSync("/tmp/upchain-pwned"));
  });

  it("a destination folder holding something else is refused naming destinationHome; an earlier attempt's 10.1.2 is fine", async () => {
    const taken = await problemsFor("9.0.4", noInfra, (h) => (fs.mkdirSync(h.dest), fs.writeFileSync(path.join(h.dest, "x"), "")));
    assert.deepStrictEqual(
      taken.map((x) => x.path),
      ["options.destinationHome"],
    );
    // an earlier attempt left the 10.1.2 Upgrade Assistant in the new home's upgrade folder (004; no ias.properties)
    const earlier = await problemsFor("9.0.4", noInfra, (h) => {
      fs.mkdirSync(path.join(h.dest, "upgrade"), { recursive: true });
      fs.writeFileSync(path.join(h.dest, "upgrade", "iasua.sh"), "#!/bin/sh\n", { mode: 0o755 });
    });
    assert.deepStrictEqual(earlier, []);
  });
});

describe("oracle-as: the active EM home at preview (004 l.32-36: the operator's emctl switch home, then the source's emctl stop)", () => {
  const other = (h: ReturnType<typeof fakeHost>) => {
    const em = path.join(h.root, "other 'em' home");
    fs.mkdirSync(path.join(em, "bin"), { recursive: true });
    fs.writeFileSync(path.join(em, "bin", "emctl"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(h.emtab, `DEFAULT=${em}\n`);
  };

  it("the source holding the active Enterprise Manager, or no em_loc at all, is accepted", async () => {
    assert.deepStrictEqual(await problemsFor("9.0.3", noInfra, (h) => fs.writeFileSync(h.emtab, `DEFAULT=${h.home}\n`)), []);
    assert.deepStrictEqual(
      await problemsFor("9.0.3", noInfra, (h) => fs.writeFileSync(h.emtab, `DEFAULT=${h.home}/\n`)),
      [],
      "a trailing slash names the same home",
    );
    assert.deepStrictEqual(await problemsFor("9.0.3", noInfra), [], "no emtab: the source");
  });

  it("another active EM home is refused with the operator's part of 004: emctl stop there, emctl switch home to the source in its dialog box, then preview again", async () => {
    const p = await problemsFor("9.0.3", noInfra, other);
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.emtab"],
    );
    assert.match(p[0].message, /names ".*other 'em' home" as the active Enterprise Manager home, not the source home \/.*\/ias 902\./);
    assert.match(
      p[0].message,
      /stop the active one there \(ACTIVE_EM_ORACLE_HOME\/bin\/emctl stop, with the ias_admin password\), then run ACTIVE_EM_ORACLE_HOME\/bin\/emctl switch home and choose \/.*\/ias 902 in the dialog box it opens/,
    );
    assert.match(p[0].message, /then preview again: the hop stops the source's EM Web Site itself \(SOURCE_ORACLE_HOME\/bin\/emctl stop\)/);
  });

  it("once the operator switched (em_loc names the source), the same preview passes", async () => {
    assert.deepStrictEqual(
      await problemsFor("9.0.3", noInfra, (h) => {
        other(h);
        fs.writeFileSync(h.emtab, `DEFAULT=${h.home}\n`);
      }),
      [],
    );
  });
});

describe("oracle-as: 004's tasks before 10.1.2 that only the site can confirm", () => {
  const none = {};
  const portlist = (text: string) => (h: ReturnType<typeof fakeHost>) => {
    fs.mkdirSync(path.join(h.home, "install"));
    fs.writeFileSync(path.join(h.home, "install", "portlist.ini"), text);
  };

  it("a Release 2 (9.0.2) directory's entries must be confirmed updated (options.prerequisites.updateOid902Entries), quoting 004 with its translation", async () => {
    const p = await problemsFor("9.0.4", answers("9.0.2.3.0"), { options: none });
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.prerequisites.updateOid902Entries"],
    );
    assert.match(p[0].message, /Release 2 \(9\.0\.2\) Oracle Internet Directory \(the Infrastructure runs 9\.0\.2\.3\.0\)/);
    assert.match(p[0].message, /「リリース2\(9\.0\.2\)のOracle Internet Directoryを使用している場合は、2\.6\.5項/);
    assert.match(p[0].message, /\(if you use a Release 2 \(9\.0\.2\) Oracle Internet Directory, follow the procedure in section 2\.6\.5/);
    assert.match(p[0].message, /set options\.prerequisites\.updateOid902Entries: "done" in the stack and preview again$/);
    assert.deepStrictEqual(
      await problemsFor("9.0.4", answers("9.0.2.3.0"), { options: { prerequisites: { updateOid902Entries: "done" } } }),
      [],
      "once confirmed, it passes",
    );
  });

  it("a directory of a later release, no Infrastructure, or a plan that stops at the patch set asks for no directory task", async () => {
    assert.deepStrictEqual(await problemsFor("9.0.4", answers("9.0.4.0.0"), { options: none }), []);
    assert.deepStrictEqual(await problemsFor("9.0.4", noInfra, { options: none }), []);
    assert.deepStrictEqual(await problemsFor("9.0.2.0", answers("9.0.2.3.0"), { options: none, hops: hop("9.0.2.0", "9.0.2.3") }), []);
  });

  it("a 9.0.2 middle tier going to 10.1.2 needs mod_osso confirmed on the Web Cache port, naming portlist.ini's second entry as the host has it", async () => {
    const p = await problemsFor("9.0.2.3", noInfra, {
      options: none,
      prepare: portlist("Oracle HTTP Server port = 7778\n\nWeb Cache HTTP Listen port = 7777\n"),
    });
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.prerequisites.registerModOssoOnWebCachePort"],
    );
    assert.match(p[0].message, /ossoreg\.jarユーティリティを使用して/);
    assert.match(p[0].message, /second entry of .*ias 902\/install\/portlist\.ini .*which on this host reads "Web Cache HTTP Listen port = 7777"/);
    assert.match(p[0].message, /set options\.prerequisites\.registerModOssoOnWebCachePort: "done"/);
  });

  it("what portlist.ini holds is shown cleaned and never run; a missing file is said so", async () => {
    const p = await problemsFor("9.0.2.3", noInfra, { options: none, prepare: portlist("a\n$(touch /tmp/upchain-pwned)\u001b[31m\n") });
    assert.match(p[0].message, /reads "\$\(touch \/tmp\/upchain-pwned\)\?\[31m"/);
    assert.ok(!fs.existsSync("/tmp/upchain-pwned"));
    const missing = await problemsFor("9.0.2.3", noInfra, { options: none });
    assert.match(missing[0].message, /which upchain could not read on this host/);
  });

  it("9.0.3 and 9.0.4 sources need no mod_osso confirmation (004 asks it of 9.0.2 middle tiers), nor does a chain that stops at the patch set", async () => {
    assert.deepStrictEqual(await problemsFor("9.0.3", noInfra, { options: none }), []);
    assert.deepStrictEqual(await problemsFor("9.0.4", noInfra, { options: none }), []);
    assert.deepStrictEqual(await problemsFor("9.0.2.0", noInfra, { options: none, hops: hop("9.0.2.0", "9.0.2.3") }), []);
  });

  it("the whole chain from 9.0.2.0 asks for both tasks at once, each under its own field", async () => {
    const chain = [...hop("9.0.2.0", "9.0.2.3"), ...hop("9.0.2.3")];
    const p = await problemsFor("9.0.2.0", answers("9.0.2.3.0"), { options: none, hops: chain });
    assert.deepStrictEqual(p.map((x) => x.path).sort(), ["options.prerequisites.registerModOssoOnWebCachePort", "options.prerequisites.updateOid902Entries"]);
  });
});

describe("oracle-as: preview's host checks on Windows (PowerShell, the document's platform)", () => {
  const win: PlanContext = { platform: "windows", releases: ["9.0.2.3", "10.1.2"], options: {} };
  const winOptions = (extra: Record<string, unknown> = {}) =>
    oracleAsOptions(
      {
        sourceHome: "D:\\oracle\\ias902",
        destinationHome: "D:\\oracle\\ias1012",
        windowsSourceService: "OracleIAS902ProcessManager",
        infrastructureCheck: "& 'D:\\site\\infra-release.ps1'",
        ...extra,
      },
      "windows",
    );
  const chain = [...hop("9.0.2.0", "9.0.2.3"), ...hop("9.0.2.3")];
  const byId = (checks: HostCheck[], id: string) => checks.find((c) => c.id === id)!;
  const judge = (c: HostCheck, stdout: string, code = 0, stderr = "") => c.judge({ code, stdout, stderr });

  it("Windows gets the same checks as Linux, each a PowerShell script that parses, within PowerShell 3.0's cmdlets", () => {
    const on = (platform: Platform) =>
      oracleHostChecks(platform === "windows" ? winOptions() : oracleAsOptions({ infrastructureCheck: "echo 9.0.2.3" }, "linux"), chain, {
        ...win,
        platform,
      }).map((c) => c.id);
    assert.deepStrictEqual(on("windows"), ["infrastructure", "destination-home", "active-em-home", "mod-osso-web-cache-port"]);
    assert.deepStrictEqual(on("windows"), on("linux"));
    for (const c of oracleHostChecks(winOptions(), chain, win)) {
      assert.strictEqual(c.shell, "powershell", c.id);
      assertParses(c.command, c.id);
      assert.doesNotMatch(c.command, /\b(sed|grep|ls|head|test)\b|2>\/dev\/null/, `${c.id} has no POSIX command`);
    }
    // the Infrastructure check is the site's own PowerShell, run as given
    assert.strictEqual(byId(oracleHostChecks(winOptions(), chain, win), "infrastructure").command, "& 'D:\\site\\infra-release.ps1'");
    const active = byId(oracleHostChecks(winOptions(), chain, win), "active-em-home").command;
    assert.ok(active.includes("'HKLM:\\SOFTWARE\\ORACLE'") && active.includes("em_loc"), "the active EM home is read from the registry key 004 names");
  });

  it("hostile homes stay one quoted PowerShell string in every check", () => {
    for (const home of ["D:\\o'racle", "D:\\ora \u2018cle\u2019", "D:\\$(New-Item pwned)", "D:\\a;b"]) {
      const checks = oracleHostChecks(winOptions({ sourceHome: home, destinationHome: `${home}10g` }), chain, win);
      assert.strictEqual(checks.length, 4);
      for (const c of checks) {
        assertParses(c.command, `${c.id} with ${home}`);
        // a native tool's quoted path is its command name: only a bare New-Item would be the value run as code
        assert.ok(!invocationsOf(c.command).some((i) => /^New-Item$/i.test(i.name)), `${c.id}: ${home} ran as code`);
      }
    }
  });

  it("the judges read Windows answers: CRLF lines, case-insensitive homes with a trailing backslash, another active EM home", () => {
    const checks = oracleHostChecks(winOptions(), chain, win);
    const em = byId(checks, "active-em-home");
    assert.strictEqual(judge(em, "active=d:\\ORACLE\\ias902\\\r\n"), undefined, "the source itself");
    assert.strictEqual(judge(em, ""), undefined, "no em_loc");
    const refused = judge(em, "active=D:\\oracle\\ias903\r\n");
    assert.match(
      String(refused),
      /the registry value HKLM\\SOFTWARE\\ORACLE\\em_loc names "D:\\\\oracle\\\\ias903" as the active Enterprise Manager home, not the source home D:\\oracle\\ias902/,
    );
    assert.match(String(refused), /ACTIVE_EM_ORACLE_HOME\\bin\\emctl switch home and choose D:\\oracle\\ias902 in the dialog box/);
    assert.strictEqual(em.path, "options.sourceHome");
    const dest = byId(checks, "destination-home");
    assert.strictEqual(judge(dest, "earlier-attempt\r\n"), undefined);
    assert.match(String(judge(dest, "occupied\r\n")), /holds something other than 10\.1\.2/);
    assert.match(String(judge(dest, "", 1, "Access to the path is denied")), /could not tell whether .* is free \(Access to the path is denied\)/);
    assert.match(String(judge(dest, "")), /could not tell whether .* is free \(no answer\)/);
    const infraCheck = byId(checks, "infrastructure");
    const both = judge(infraCheck, "9.0.2.0.0\r\n") as { path: string }[];
    assert.deepStrictEqual(
      both.map((x) => x.path),
      ["options.infrastructureCheck", "options.prerequisites.updateOid902Entries"],
    );
    assert.match(String(judge(infraCheck, "", 1, "the Infrastructure's directory at infra:389 does not answer")), /not ready/);
    const osso = judge(byId(checks, "mod-osso-web-cache-port"), "Web Cache HTTP Listen port = 7777\r\n") as { message: string }[];
    assert.match(osso[0].message, /second entry of D:\\oracle\\ias902\\install\\portlist\.ini .*reads "Web Cache HTTP Listen port = 7777"/);
  });

  it("with both tasks confirmed, the Windows checks ask for none", () => {
    const checks = oracleHostChecks(winOptions(confirmed), chain, win);
    assert.ok(!checks.some((c) => c.id === "mod-osso-web-cache-port"));
    assert.deepStrictEqual(judge(byId(checks, "infrastructure"), "9.0.2.3.0\r\n"), []);
  });
});
