// The planner against the Groupmax catalog on Linux: the document's hops (付録A.3 (1)-(3)), its steps
// in its order, the services table per source, refused requests, preflight, and quoting proven by sh.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { groupmax } from "../../../providers/catalogs/groupmax";
import { PlanContext, Platform, stepOfAction } from "../../../providers/engine/planning/catalog";
import { PlanRequest, assertPlanInputs, planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
import { LINUX_SITE } from "../../support/groupmaxSite";

const installers = LINUX_SITE.installers;
const SITE: Record<string, unknown> = LINUX_SITE;

const request = (installed: string, options: Record<string, unknown> = {}, platform: Platform = "linux"): PlanRequest => ({
  installed,
  target: "06-00",
  platform,
  options,
});
const plan = (installed: string, options: Record<string, unknown> = {}, platform: Platform = "linux") =>
  planUpgrade(groupmax, request(installed, options, platform));
const ids = (p: ReturnType<typeof plan>) => p.steps.map((s) => s.id);
const step = (p: ReturnType<typeof plan>, id: string) => {
  const s = p.steps.find((x) => x.id === id);
  assert.ok(s, `no step ${id} in ${ids(p).join(", ")}`);
  return s;
};
const ctx = (options: Record<string, unknown> = {}, platform: Platform = "linux"): PlanContext => ({ platform, releases: ["06-00"], options });

/** The services table of the document, restated here (not taken from the catalog). */
const tcp = (name: string, port: number) => ({ name, port, protocol: "tcp" });
const v3Entries = [tcp("imap", 143), tcp("adrshd", 20141)];
const v20Entries = [...v3Entries, tcp("pop3", 110), tcp("popcfg", 106)];
const sources: { from: string; rule: string; entries: ReturnType<typeof tcp>[]; advup: boolean }[] = [
  { from: "02-00", rule: "groupmax.v2.0-to-v6", entries: [...v20Entries, tcp("adagt_ap", 9080), tcp("adreq_ap", 9081)], advup: true },
  { from: "02-01", rule: "groupmax.v2.0-to-v6", entries: v20Entries, advup: true },
  { from: "03-00", rule: "groupmax.v3-to-v6", entries: v3Entries, advup: false },
  { from: "05-00", rule: "groupmax.v5-to-v6", entries: [], advup: false },
];

/** The document's thirteen steps as step ids, with the optional ones switched per case. */
function documentOrder(o: { services: boolean; advup: boolean; console: boolean; backupV6: boolean }): string[] {
  return [
    "stop-address",
    "stop-object-server",
    "autostart-off",
    "reboot",
    "backup",
    "install-object-server",
    "install-address-server",
    "install-mail-server",
    ...(o.services ? ["services-add"] : []),
    "start-object-server",
    ...(o.advup ? ["advup2_6", "address-mail-setup"] : []),
    "start-address",
    "start-server",
    "clear-journal",
    ...(o.console ? ["start-console"] : []),
    "verify",
    ...(o.backupV6 ? ["backup-v6"] : []),
    "restore-autostart",
  ];
}

describe("Groupmax planner: one documented hop to 06-00 per source", () => {
  for (const src of sources) {
    it(`${src.from} -> 06-00 is one hop under ${src.rule}`, () => {
      const p = plan(src.from);
      assert.deepStrictEqual(
        p.hops.map((h) => [h.from, h.to, h.rule.id]),
        [[src.from, "06-00", src.rule]],
      );
      assert.match(p.hops[0].rule.source, /付録A\.3/);
      assert.ok(p.steps.every((s) => s.hop === `${src.from}->06-00`));
    });

    it(`${src.from} -> 06-00 has the document's steps in its order`, () => {
      assert.deepStrictEqual(ids(plan(src.from)), documentOrder({ services: src.entries.length > 0, advup: src.advup, console: false, backupV6: true }));
    });

    it(`${src.from} -> 06-00 adds exactly the services entries of the document's table`, () => {
      const p = plan(src.from);
      const add = p.steps.find((s) => s.id === "services-add");
      if (src.entries.length === 0) {
        assert.strictEqual(add, undefined, "Version 5 adds no ports, so it has no services-add step");
        assert.ok(!p.steps.some((s) => s.action === "services-add"));
        return;
      }
      assert.ok(add, "services-add step missing");
      assert.strictEqual(add.action, "services-add");
      assert.strictEqual(add.file, "/etc/services");
      assert.strictEqual(add.destructive, true);
      assert.deepStrictEqual(add.entries, src.entries);
    });

    it(`${src.from} -> 06-00 takes its backup after the reboot and before every destructive step`, () => {
      const order = ids(plan(src.from));
      const p = plan(src.from);
      const backup = order.indexOf("backup");
      assert.strictEqual(p.steps[backup].action, "backup");
      assert.ok(backup > order.indexOf("reboot"), "the backup follows the restart");
      const destructive = p.steps.map((s, i) => (s.destructive ? i : -1)).filter((i) => i >= 0);
      assert.ok(destructive.length > 0);
      for (const i of destructive) assert.ok(i > backup, `${p.steps[i].id} is destructive and comes before the backup`);
      assert.ok(order.indexOf("autostart-off") < order.indexOf("reboot"), "auto-start is switched off before the shutdown");
    });
  }

  it("02-00 adds adagt_ap 9080/tcp and adreq_ap 9081/tcp; 02-01 does not", () => {
    const names = (from: string) => stepOfAction(step(plan(from), "services-add"), "services-add").entries.map((e) => `${e.name}:${e.port}`);
    assert.ok(names("02-00").includes("adagt_ap:9080") && names("02-00").includes("adreq_ap:9081"));
    assert.ok(!names("02-01").some((n) => n.startsWith("adagt_ap") || n.startsWith("adreq_ap")));
    assert.strictEqual(names("02-00").length, 6);
    assert.strictEqual(names("02-01").length, 4);
    assert.strictEqual(names("03-00").length, 2);
  });

  it("advup2_6 runs only from 02-xx, after Object Server starts and before the address service starts", () => {
    for (const { from, advup } of sources) {
      const order = ids(plan(from));
      if (!advup) {
        assert.ok(!order.includes("advup2_6"), `${from} must not run advup2_6`);
        continue;
      }
      const at = order.indexOf("advup2_6");
      assert.ok(at > order.indexOf("start-object-server"), `${from}: advup2_6 before Object Server started`);
      assert.ok(at < order.indexOf("start-address"), `${from}: advup2_6 after the address service started`);
      assert.match(step(plan(from, SITE), "advup2_6").commands[0], /advup2_6'?$/);
      assert.ok(order.indexOf("address-mail-setup") === at + 1, `${from}: the Address_Mail setup follows advup2_6`);
    }
  });

  it("start-console only when options.operatorConsole is true, after clear-journal and before verify", () => {
    assert.ok(!ids(plan("05-00")).includes("start-console"));
    assert.ok(!ids(plan("05-00", { operatorConsole: false })).includes("start-console"));
    const order = ids(plan("05-00", { operatorConsole: true }));
    assert.deepStrictEqual(order, documentOrder({ services: false, advup: false, console: true, backupV6: true }));
    assert.match(step(plan("05-00", { ...SITE, operatorConsole: true }), "start-console").commands.join("\n"), /start console/);
  });

  it("backup-v6 is left out with backupAfterUpgrade false", () => {
    assert.ok(ids(plan("03-00")).includes("backup-v6"));
    assert.deepStrictEqual(ids(plan("03-00", { backupAfterUpgrade: false })), documentOrder({ services: true, advup: false, console: false, backupV6: false }));
  });

  it("upload steps come first, one per options.uploads entry, before anything stops", () => {
    const uploads = [
      { source: "/tmp/pkgs/objsrv-06-00.tar", destination: "/srv/pkg/objsrv.tar" },
      { source: "/tmp/pkgs/address-06-00.tar", destination: "/srv/pkg/address.tar" },
    ];
    const p = plan("02-01", { uploads });
    assert.deepStrictEqual(ids(p), ["upload-1", "upload-2", ...documentOrder({ services: true, advup: true, console: false, backupV6: true })]);
    assert.deepStrictEqual(
      p.steps
        .slice(0, 2)
        .map((s) => stepOfAction(s, "upload"))
        .map((s) => [s.action, s.source, s.destination, s.destructive]),
      uploads.map((u) => ["upload", u.source, u.destination, false]),
    );
  });

  it("every Linux step is POSIX sh, and the reboot step waits for a new boot", () => {
    const p = plan("05-00", { rebootTimeoutSeconds: 1200 });
    assert.ok(p.steps.every((s) => s.shell === "sh"));
    const reboot = step(p, "reboot");
    assert.strictEqual(reboot.action, "reboot");
    assert.deepStrictEqual(reboot.commands, ["/sbin/reboot"]);
    assert.strictEqual(reboot.timeoutSeconds, 1200);
    assert.match(String(reboot.bootMarker), /boot_id/);
  });
});

describe("Groupmax planner: requests the document does not cover are refused", () => {
  const cases: [string, string, string[]?][] = [
    ["04-00", "06-00"],
    ["01-00", "06-00"],
    // Version 7 is past the document's target; asked to move forward it is still not a documented source
    ["07-00", "07-01", ["06-00", "07-01"]],
  ];
  for (const [from, to, releases] of cases) {
    it(`${from} -> ${to} is NO_LEGAL_PATH on installed, naming the documented sources`, () => {
      assert.throws(
        () => planUpgrade(groupmax, { installed: from, target: to, platform: "linux", releases }),
        (e: unknown) => {
          assert.ok(isUpchainError(e, "NO_LEGAL_PATH"), `got ${String(e)}`);
          assert.deepStrictEqual(e.path, ["installed"]);
          for (const src of ["05-RR", "03-RR", "02-RR"]) assert.ok(e.message.includes(src), `message does not name ${src}: ${e.message}`);
          assert.ok(e.message.includes(from));
          return true;
        },
      );
    });
  }

  it("a downgrade 06-00 -> 05-00 is refused as DOWNGRADE", () => {
    assert.throws(
      () => planUpgrade(groupmax, { installed: "06-00", target: "05-00", platform: "linux", releases: ["05-00", "06-00"] }),
      (e: unknown) => {
        assert.ok(isUpchainError(e), `got ${String(e)}`);
        assert.strictEqual(e.code, "DOWNGRADE", e.message);
        assert.deepStrictEqual(e.path, ["target"]);
        return true;
      },
    );
  });

  it("06-00 -> 06-00 is an empty plan (nothing to do), not an error", () => {
    const p = plan("06-00");
    assert.deepStrictEqual([p.hops.length, p.steps.length], [0, 0]);
  });

  for (const [field, text] of [
    ["installed", "6.0"],
    ["installed", "06-0"],
    ["target", "6.0"],
    ["target", "06-0"],
    ["installed", "2-00"],
  ] as const) {
    it(`${field} "${text}" is INVALID_INPUT naming the VV-RR scheme`, () => {
      const req = field === "installed" ? { installed: text, target: "06-00" } : { installed: "05-00", target: text };
      assert.throws(
        () => planUpgrade(groupmax, { ...req, platform: "linux" }),
        (e: unknown) => {
          assert.ok(isUpchainError(e, "INVALID_INPUT"), `got ${String(e)}`);
          assert.deepStrictEqual(e.path, [field]);
          assert.ok(e.message.includes(`"${text}"`), e.message);
          assert.match(e.message, /VV-RR/);
          return true;
        },
      );
    });
  }

  it("a target that is not among the releases is UNKNOWN_VERSION", () => {
    assert.throws(
      () => planUpgrade(groupmax, { installed: "05-00", target: "06-01", platform: "linux" }),
      (e: unknown) => isUpchainError(e, "UNKNOWN_VERSION"),
    );
  });
});

describe("Groupmax preflight (assertPlanInputs)", () => {
  const check = (from: string, options: Record<string, unknown>, platform: Platform = "linux") => {
    const req = request(from, options, platform);
    assertPlanInputs(groupmax, planUpgrade(groupmax, req), req);
  };

  it("without installers it is INVALID_INPUT naming all three options.installers fields", () => {
    assert.throws(
      () => check("05-00", { ...SITE, installers: {} }),
      (e: unknown) => {
        assert.ok(isUpchainError(e, "INVALID_INPUT"), `got ${String(e)}`);
        for (const key of ["objectServer", "addressServer", "mailServer"]) assert.ok(e.message.includes(`options.installers.${key}`), e.message);
        assert.deepStrictEqual(e.path, ["options.installers.objectServer"]);
        return true;
      },
    );
  });

  it("names only the installers that are missing", () => {
    assert.throws(
      () => check("03-00", { ...SITE, installers: { objectServer: installers.objectServer } }),
      (e: unknown) => {
        assert.ok(isUpchainError(e, "INVALID_INPUT"));
        assert.ok(!e.message.includes("options.installers.objectServer"), e.message);
        assert.ok(e.message.includes("options.installers.addressServer") && e.message.includes("options.installers.mailServer"), e.message);
        return true;
      },
    );
  });

  for (const { from } of sources) {
    it(`passes from ${from} on Linux when every site fact is given`, () => assert.doesNotThrow(() => check(from, SITE)));
  }

  it("the given installers are the install steps' commands, verbatim", () => {
    const p = plan("05-00", { installers });
    assert.deepStrictEqual(step(p, "install-object-server").commands, [installers.objectServer]);
    assert.deepStrictEqual(step(p, "install-address-server").commands, [installers.addressServer]);
    assert.deepStrictEqual(step(p, "install-mail-server").commands, [installers.mailServer]);
  });

  it("an option the schema rejects is reported with its path", () => {
    const problems = groupmax.preflight!(plan("05-00", { installers }).hops, ctx({ installers, journalPattern: "*.jnl; rm -rf /" }));
    assert.ok(
      problems.some((p) => p.path === "options.journalPattern"),
      JSON.stringify(problems),
    );
  });
});

describe("Groupmax on Linux: every value is quoted for sh", () => {
  const installDir = "/opt/group max's";
  const installDirs = [installDir];
  const quoted = `'/opt/group max'\\''s`; // the sh word for the value: '...' with ' written '\''

  it(`installDir "${installDir}" appears only in its single-quoted form`, () => {
    const p = plan("02-00", { ...SITE, installDirs, operatorConsole: true });
    const all = [...p.steps, ...groupmax.restoreSteps(p.hops[0], ctx({ ...SITE, installDirs }))].flatMap((s) => s.commands);
    const mentioning = all.filter((c) => c.includes("group max"));
    assert.ok(mentioning.length >= 3, `expected the install folder in the backups and the restore, got ${mentioning.length}`);
    const relative = `'opt/group max'\\''s'`; // the same folder relative to / for tar -C /
    for (const c of mentioning) {
      assert.ok(c.includes(quoted) || c.includes(relative), `not quoted: ${c}`);
      assert.ok(!c.replaceAll(quoted, "").replaceAll(relative, "").includes("group max"), `an unquoted copy remains: ${c}`);
    }
    assert.ok(step(p, "backup").commands.join("\n").includes(relative), "the archive names the folder relative to /, quoted");
  });

  it("every rendered sh command of every step parses (sh -n)", () => {
    const p = plan("02-00", { ...SITE, installDirs, operatorConsole: true, journalDir: "/var/log/it's a journal", backupDir: "/var/backups/up chain" });
    const hop = p.hops[0];
    const all = [
      ...p.steps,
      ...groupmax.restoreSteps(hop, ctx({ ...SITE, installDirs })),
      ...groupmax.recoverSteps!(hop, ctx({ ...SITE, installDirs, operatorConsole: true })),
    ];
    for (const s of all.filter((x) => x.commands.length)) {
      const r = spawnSync("sh", ["-n", "-c", s.commands.join("\n")], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, `${s.id} does not parse: ${r.stderr}\n${s.commands.join("\n")}`);
    }
    // and the check is not vacuous: the same command with the value pasted in raw does not parse
    const raw = `rm -rf -- ${installDir}`;
    assert.notStrictEqual(spawnSync("sh", ["-n", "-c", raw]).status, 0);
  });

  describe("run by sh against a folder whose name has a space and a quote", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "group max's "));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("verify reads no VERSION file: it runs the site's status commands and fails when one fails", () => {
      const status = (ok: boolean) => ({ start: "true", stop: "true", status: ok ? "true" : "echo address is stopped >&2; false" });
      const verify = (addressUp: boolean) =>
        step(
          plan("05-00", {
            ...SITE,
            installDirs: [dir],
            commands: { ...LINUX_SITE.commands, objectServer: status(true), address: status(addressUp), server: status(true) },
          }),
          "verify",
        ).commands;
      assert.ok(!verify(true).join("\n").includes("VERSION"));
      assert.strictEqual(spawnSync("sh", ["-ec", verify(true).join("\n")], { encoding: "utf8" }).status, 0);
      const r = spawnSync("sh", ["-ec", verify(false).join("\n")], { encoding: "utf8" });
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr, /address is stopped/);
    });

    it("clear-journal deletes the journal files the pattern names and nothing else", () => {
      const journalDir = path.join(dir, "jour nal's");
      fs.mkdirSync(journalDir);
      for (const f of ["a.jnl", "b c.jnl", "keep.txt"]) fs.writeFileSync(path.join(journalDir, f), "x");
      const s = step(plan("05-00", { ...SITE, installDirs: [dir], journalDir, journalPattern: "*.jnl" }), "clear-journal");
      const r = spawnSync("sh", ["-ec", s.commands.join("\n")], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.deepStrictEqual(fs.readdirSync(journalDir), ["keep.txt"]);
    });

    it("clear-journal fails, naming options.journalDir, when the journal folder is not there (no silent no-op)", () => {
      const journalDir = path.join(dir, "no such journal");
      const s = step(plan("05-00", { ...SITE, installDirs: [dir], journalDir }), "clear-journal");
      const r = spawnSync("sh", ["-ec", s.commands.join("\n")], { encoding: "utf8" });
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr, /options\.journalDir\) does not exist/);
    });

    it("with journalDir false (the old version kept no journals) there is no clear-journal step", () => {
      assert.ok(!ids(plan("05-00", { ...SITE, journalDir: false })).includes("clear-journal"));
    });
  });
});

describe("Groupmax restore and recover steps", () => {
  const hop = () => plan("03-00").hops[0];

  it("restoreSteps put the restore point back: a destructive restore step that reads this hop's pointer", () => {
    const steps = groupmax.restoreSteps(hop(), ctx());
    assert.deepStrictEqual(
      steps.map((s) => [s.id, s.action, s.destructive]),
      [["restore-backup", "restore", true]],
    );
    const text = steps[0].commands.join("\n");
    assert.ok(text.includes("/var/backups/upchain/groupmax/03-00-before-06-00.current"), text);
    // the pointer the backup step writes is the one the restore reads
    assert.ok(step(plan("03-00"), "backup").commands.join("\n").includes("/var/backups/upchain/groupmax/03-00-before-06-00.current"));
    assert.match(text, /sha256sum -c/);
  });

  it("recoverSteps put auto-start back always, then start the old version's services", () => {
    const steps = groupmax.recoverSteps!(hop(), ctx(SITE));
    assert.deepStrictEqual(
      steps.map((s) => s.id),
      ["recover-autostart", "recover-services"],
    );
    assert.strictEqual(steps[0].always, true);
    assert.ok(!steps[1].always, "starting services after a failed restore is not safe, so not always");
    assert.deepStrictEqual(steps[0].commands, step(plan("03-00", SITE), "restore-autostart").commands, "recover-autostart does what restore-autostart does");
    // each start in its own subshell, tried whatever the others did (linux.test.ts runs them)
    assert.deepStrictEqual(
      steps[1].commands.flatMap((c) => / start (\S+)\n\) \|\| down=/.exec(c)?.[1] ?? []),
      ["objsrv", "address", "server"],
    );
    assert.ok(groupmax.recoverSteps!(hop(), ctx({ ...SITE, operatorConsole: true }))[1].commands.some((c) => /start console\n\) \|\| down=/.test(c)));
  });
});
