// Groupmax on Windows is rendered, not run (no Windows host, and pwsh is not relied on): these tests
// read the PowerShell the catalog produces as scripts, with a small scanner for its quoted strings.
import * as assert from "assert";
import { groupmax, vvrrScheme } from "../../../providers/catalogs/groupmax";
import { PlanContext, stepOfAction } from "../../../providers/engine/planning/catalog";
import { assertPlanInputs, planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
import { DOCUMENT_PORTS_0200 } from "../../support/groupmaxDocument";
import { LINUX_SITE, WINDOWS_SITE } from "../../support/groupmaxSite";
import { psLiterals } from "../../support/powershell";

const installers = {
  objectServer: "& 'C:\\pkg\\objsrv\\setup.exe' /s",
  addressServer: "& 'C:\\pkg\\address\\setup.exe' /s",
  mailServer: "& 'C:\\pkg\\mail\\setup.exe' /s",
};
const plan = (from: string, options: Record<string, unknown> = {}) =>
  planUpgrade(groupmax, { installed: from, target: "06-00", platform: "windows", options: { ...WINDOWS_SITE, ...options } });
const step = (p: ReturnType<typeof plan>, id: string) => {
  const s = p.steps.find((x) => x.id === id);
  assert.ok(s, `no step ${id} in ${p.steps.map((x) => x.id).join(", ")}`);
  return s;
};
const ctx = (options: Record<string, unknown> = {}): PlanContext => ({ platform: "windows", releases: ["06-00"], options: { ...WINDOWS_SITE, ...options } });
const text = (s: { commands: string[] }) => s.commands.join("\n");

/** The documented Windows services path, and the entries of the document's table for 02-00. */
const SERVICES = "%SystemRoot%\\System32\\drivers\\etc\\services";
const entries0200 = DOCUMENT_PORTS_0200;

describe("Groupmax on Windows, rendered as PowerShell", () => {
  it("every step of every source is PowerShell, uploads included", () => {
    for (const from of ["02-00", "02-01", "03-00", "05-00"]) {
      const p = plan(from, { uploads: [{ source: "/tmp/pkgs/gm6.zip", destination: "C:\\pkg\\gm6.zip" }], operatorConsole: true });
      assert.strictEqual(p.steps[0].id, "upload-1");
      for (const s of p.steps) assert.strictEqual(s.shell, "powershell", `${from} ${s.id}`);
    }
    const hop = plan("03-00").hops[0];
    for (const s of [...groupmax.restoreSteps(hop, ctx()), ...groupmax.recoverSteps!(hop, ctx())]) assert.strictEqual(s.shell, "powershell", s.id);
  });

  it("the Windows steps keep the document's order and the same rule as on Linux, with the services clash check first", () => {
    const win = plan("02-00");
    const linux = planUpgrade(groupmax, { installed: "02-00", target: "06-00", platform: "linux", options: LINUX_SITE });
    assert.deepStrictEqual(
      win.steps.map((s) => s.id),
      ["check-services", ...linux.steps.map((s) => s.id)],
    );
    assert.strictEqual(win.hops[0].rule.id, "groupmax.v2.0-to-v6");
  });

  it("commands run with $ErrorActionPreference = 'Stop' first", () => {
    for (const s of plan("02-00", { operatorConsole: true }).steps.filter((x) => x.commands.length > 0 && x.action !== "reboot")) {
      assert.strictEqual(s.commands[0], "$ErrorActionPreference = 'Stop'", s.id);
    }
  });

  it("the stop steps use Stop-Service with the default service names", () => {
    const p = plan("05-00");
    assert.deepStrictEqual(step(p, "stop-address").commands.slice(1), [
      "Stop-Service -Name 'Groupmax Mail Server'",
      "Stop-Service -Name 'Groupmax Address Server'",
    ]);
    assert.deepStrictEqual(step(p, "stop-object-server").commands.slice(1), ["Stop-Service -Name 'Groupmax Object Server'"]);
  });

  it("autostart-off reads the start mode through CIM (Win32_Service StartMode, PowerShell 3.0), not .NET's StartType, which PowerShell 3 and 4 hosts lack", () => {
    const s = step(plan("05-00"), "autostart-off");
    assert.ok(!/StartType/.test(text(s)), text(s));
    const read = s.commands.findIndex((c) => /Get-CimInstance -ClassName Win32_Service \| Where-Object \{ \$_\.Name -eq 'Groupmax Address Server' \}/.test(c));
    assert.ok(read >= 0, text(s));
    // Win32_Service says Auto, Manual or Disabled; Set-Service -StartupType takes Automatic, Manual or Disabled
    assert.match(s.commands[read], /@\{ Auto = 'Automatic'; Manual = 'Manual'; Disabled = 'Disabled' \}/);
    assert.match(
      s.commands[read],
      /throw \('the start mode of ' \+ 'Groupmax Address Server'/,
      "a start mode Set-Service cannot put back stops the hop before anything changes",
    );
  });

  it("autostart-off saves the old start mode once, then sets Manual only when it is Automatic", () => {
    const s = step(plan("05-00"), "autostart-off");
    const save = s.commands.findIndex((c) => /\$startupType \| Set-Content -LiteralPath /.test(c));
    const change = s.commands.findIndex((c) => /Set-Service .*-StartupType Manual/.test(c));
    assert.ok(save >= 0 && change > save, `the setting is saved before it is changed:\n${text(s)}`);
    assert.match(s.commands[save], /^if \(-not \(Test-Path -LiteralPath '[^']+'\)\) \{/, "a resumed run must not overwrite the saved setting");
    assert.match(s.commands[change], /^if \(\$startupType -eq 'Automatic'\) \{ Set-Service -Name 'Groupmax Address Server' -StartupType Manual \}$/);
  });

  it("restore-autostart puts back the value autostart-off saved, with Set-Service -StartupType", () => {
    const p = plan("05-00");
    const savedIn = (c: string) => /Set-Content -LiteralPath ('(?:[^']|'')*')/.exec(c)?.[1];
    const saved = step(p, "autostart-off").commands.map(savedIn).find(Boolean);
    assert.ok(saved, "autostart-off writes the setting to a file");
    assert.deepStrictEqual(psLiterals(saved), ["C:\\upchain\\backups\\groupmax\\autostart-before-06-00"]);
    const restore = text(step(p, "restore-autostart"));
    assert.ok(restore.includes(`Get-Content -LiteralPath ${saved}`), restore);
    assert.match(restore, /Set-Service -Name 'Groupmax Address Server' -StartupType \$was/);
    assert.ok(restore.includes(`Remove-Item -LiteralPath ${saved}`), "the saved setting is removed once it is back");
    const order = p.steps.map((s) => s.id);
    assert.strictEqual(order[order.length - 1], "restore-autostart");
  });

  it("the reboot step is Restart-Computer -Force with a boot marker and the timeout", () => {
    const s = step(plan("03-00", { rebootTimeoutSeconds: 1800 }), "reboot");
    assert.strictEqual(s.action, "reboot");
    assert.deepStrictEqual(s.commands, ["Restart-Computer -Force"]);
    assert.match(String(s.bootMarker), /LastBootUpTime/);
    assert.strictEqual(s.timeoutSeconds, 1800);
    assert.ok(s.title.includes("1800s"));
  });

  it("the backup step stops the services and archives the install folder, the databases, the expanded services file and the journal folder", () => {
    const s = step(plan("03-00", { databasePaths: ["D:\\gmdb", "E:\\gm data"] }), "backup");
    const t = text(s);
    assert.match(t, /foreach \(\$s in @\('Groupmax Mail Server', 'Groupmax Address Server', 'Groupmax Object Server'\)\) \{ Stop-Service -Name \$s \}/);
    // robocopy keeps hidden files and large files (Compress-Archive does not); one numbered copy per path
    const copies = s.commands.filter((c) => c.startsWith("$src = "));
    // the journal folder too: clear-journal deletes its files before verify, and a restore after that brings them back
    assert.deepStrictEqual(
      copies.map((c) => psLiterals(c)[0]),
      [...WINDOWS_SITE.installDirs, "D:\\gmdb", "E:\\gm data", SERVICES, WINDOWS_SITE.journalDir],
    );
    copies.forEach((c, i) => {
      assert.ok(c.includes(`$dst = (Join-Path $point '${i}')`), c);
      assert.match(c, /robocopy \$src \$dst \/MIR .*if \(\$LASTEXITCODE -ge 8\) \{ throw/);
      assert.match(c, /-Value 'folder' \} else \{ .*Copy-Item -LiteralPath \$src .*-Value 'file' \}$/);
    });
    assert.ok(copies[4].includes(`[Environment]::ExpandEnvironmentVariables('${SERVICES}')`));
    assert.ok(t.includes("03-00-before-06-00.current"), "the restore point is named for this hop");
    const restore = groupmax.restoreSteps(plan("03-00").hops[0], ctx({ databasePaths: ["D:\\gmdb", "E:\\gm data"] }))[0].commands;
    assert.ok(
      restore.some((c) => c.startsWith("$copy = Join-Path $point '5'") && c.includes(`ExpandEnvironmentVariables('${WINDOWS_SITE.journalDir}')`)),
      "the restore mirrors the journal folder back from its copy",
    );
  });

  it("with journalDir false the restore point holds no journal folder", () => {
    const s = step(plan("03-00", { journalDir: false }), "backup");
    assert.ok(!text(s).includes("journal"), text(s));
  });

  it("the backup directory is restricted to Administrators and SYSTEM before anything is written in it", () => {
    const p = plan("03-00", { operatorConsole: true });
    for (const id of ["autostart-off", "backup", "backup-v6"]) {
      const s = step(p, id);
      const restrict = s.commands.findIndex(
        (c) =>
          c.startsWith("$private = 'C:\\upchain\\backups\\groupmax';") &&
          c.includes("icacls $private /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F'"),
      );
      const firstWrite = s.commands.findIndex((c) => /Set-Content|robocopy|Copy-Item/.test(c));
      assert.ok(restrict >= 0 && restrict < firstWrite, `${id}:\n${text(s)}`);
    }
  });

  it("a restore point is a new folder: one already there with the same time gets a counter, never written over", () => {
    const t = text(step(plan("03-00"), "backup"));
    assert.match(
      t,
      /\$point = Join-Path 'C:\\upchain\\backups\\groupmax' \('03-00-before-06-00\.' \+ \$stamp\); \$n = 1; while \(Test-Path -LiteralPath \$point\) \{ \$point = Join-Path 'C:\\upchain\\backups\\groupmax' \('03-00-before-06-00\.' \+ \$stamp \+ '-' \+ \$n\); \$n\+\+ \}/,
    );
    const p = plan("02-00", { operatorConsole: true });
    const all = [...p.steps, ...groupmax.restoreSteps(p.hops[0], ctx()), ...groupmax.recoverSteps!(p.hops[0], ctx())];
    const removals = all.flatMap((s) => s.commands.flatMap((c) => c.match(/Remove-Item[^;}]*/g) ?? []));
    assert.ok(removals.length > 0);
    for (const r of removals) {
      assert.ok(
        r === "Remove-Item -LiteralPath 'C:\\upchain\\backups\\groupmax\\autostart-before-06-00' " || r === "Remove-Item -Force -Verbose",
        `removes more than the saved setting or a journal file: ${r}`,
      );
    }
  });
});

describe("Groupmax on Windows: the services file", () => {
  it("the services-add step names %SystemRoot%\\System32\\drivers\\etc\\services and carries no script: the executor adds the entries, as on Linux", () => {
    const s = step(plan("02-00"), "services-add");
    assert.strictEqual(s.action, "services-add");
    assert.strictEqual(s.file, SERVICES);
    // the executor reads the file in PowerShell (the variable expanded on the host), adds only what is
    // missing and keeps a copy first: tests/unit/engine/running/fileStepsWindows.test.ts
    assert.deepStrictEqual(s.commands, []);
    assert.deepStrictEqual(
      (s.entries as { name: string; port: number; protocol: string }[]).map((e) => [e.name, e.port, e.protocol]),
      entries0200.map(([n, p]) => [n, p, "tcp"]),
    );
  });

  it("the services file is checked for clashes before anything stops (preview and the services-add step check it too)", () => {
    const p = plan("02-00");
    const check = step(p, "check-services");
    assert.ok(p.steps.indexOf(check) < p.steps.indexOf(step(p, "stop-address")), "the check comes before anything stops");
    assert.strictEqual(check.destructive, false);
    assert.strictEqual(check.provenance?.kind, "safety");
    const t = text(check);
    assert.ok(t.includes(`$services = [Environment]::ExpandEnvironmentVariables('${SERVICES}')`), t);
    assert.match(t, /is taken by "/);
    assert.match(t, /already names /);
    assert.match(t, /upchain never overwrites an entry it did not add/);
    for (const [name, port] of entries0200) assert.ok(t.includes(`@('${name}', '${port}/tcp')`), `${name} is checked`);
    assert.ok(!plan("05-00").steps.some((s) => s.id === "check-services"), "Version 5 adds no port, so nothing to check");
  });

  it("clear-journal fails on a missing journal folder instead of skipping it silently", () => {
    const t = text(step(plan("05-00"), "clear-journal"));
    assert.ok(!t.includes("SilentlyContinue"), t);
    assert.match(t, /if \(-not \(Test-Path -LiteralPath 'C:\\Groupmax\\journal' -PathType Container\)\) \{ throw '.*options\.journalDir\) does not exist/);
  });

  it("the Version 6 backup stops the services first, then tries to start each one whatever the others did, failing with those that did not start", () => {
    const t = text(step(plan("05-00"), "backup-v6"));
    assert.match(
      t,
      /try \{ foreach \(\$s in @\('Groupmax Mail Server', 'Groupmax Address Server', 'Groupmax Object Server'\)\) \{ Stop-Service -Name \$s \}; .*robocopy.* \} catch \{ \$backupError = \$_ \}/,
    );
    // a failed start is caught one service at a time, so the next one is still started
    assert.match(
      t,
      /foreach \(\$s in @\('Groupmax Object Server', 'Groupmax Address Server', 'Groupmax Mail Server'\)\) \{ try \{ Start-Service -Name \$s \} catch \{ \$down \+= \$s \} \}/,
    );
    assert.doesNotMatch(t, /finally \{ Start-Service/, "no finally whose first failed start skips the others");
    const lines = step(plan("05-00"), "backup-v6").commands;
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    assert.ok(
      at(/if \(\$down\.Count\) \{ throw \('after the Version 6 backup these services did not start again: '/) > at(/Start-Service/),
      "it fails after trying every start",
    );
    assert.ok(at(/if \(\$backupError\) \{ throw \$backupError \}/) > at(/\$down\.Count/), "a failed copy still fails the step");
  });

  it("verify reads no VERSION file: it checks the services the document started still run", () => {
    const t = text(step(plan("05-00"), "verify"));
    assert.ok(!t.includes("VERSION"), t);
    assert.match(t, /Get-Service -Name \$s\)\.Status -ne 'Running'/);
  });

  it("03-00 adds imap and adrshd; 05-00 has no services step", () => {
    assert.deepStrictEqual(
      stepOfAction(step(plan("03-00"), "services-add"), "services-add").entries.map((e) => e.name),
      ["imap", "adrshd"],
    );
    assert.ok(!plan("05-00").steps.some((s) => s.action === "services-add"));
  });
});

describe("Groupmax on Windows: values are quoted PowerShell-style", () => {
  const name = "Groupmax O'Brien";
  const options = { windowsServices: { ...WINDOWS_SITE.windowsServices, address: name }, operatorConsole: true };

  it(`a service named "${name}" is one literal, with the quote doubled, in every command that names it`, () => {
    const p = plan("02-00", options);
    const hop = p.hops[0];
    const all = [...p.steps, ...groupmax.restoreSteps(hop, ctx(options)), ...groupmax.recoverSteps!(hop, ctx(options))];
    const naming = all.filter((s) => s.commands.some((c) => c.includes("O'")));
    assert.deepStrictEqual(
      naming.map((s) => s.id).sort(),
      [
        "autostart-off",
        "backup",
        "backup-v6",
        "recover-autostart",
        "recover-services",
        "restore-autostart",
        "restore-backup",
        "start-address",
        "stop-address",
        "verify",
      ].sort(),
    );
    for (const s of naming) {
      for (const c of s.commands) {
        if (!c.includes("O'")) continue;
        assert.ok(c.includes("'Groupmax O''Brien'"), `${s.id}: ${c}`);
        assert.ok(!/O'B/.test(c), `${s.id}: an undoubled quote: ${c}`);
        assert.ok(psLiterals(c).includes(name), `${s.id}: the name is not one literal: ${c}`);
      }
    }
    // the other services keep their defaults
    assert.ok(step(p, "stop-object-server").commands.includes("Stop-Service -Name 'Groupmax Object Server'"));
  });

  it("every command's quoted strings are closed, with awkward paths everywhere", () => {
    const awkward = {
      installers,
      installDirs: ["C:\\Group max's"],
      databasePaths: ["D:\\it's db"],
      backupDir: "C:\\up'chain",
      journalDir: "C:\\jour\u2019nal",
      windowsServices: { objectServer: "Obj'Srv", address: "Addr'", server: "'Mail", console: "Con''sole" },
      operatorConsole: true,
    };
    const p = plan("02-00", awkward);
    const hop = p.hops[0];
    const all = [...p.steps, ...groupmax.restoreSteps(hop, ctx(awkward)), ...groupmax.recoverSteps!(hop, ctx(awkward))];
    const literals = all.flatMap((s) => s.commands.flatMap((c) => psLiterals(c)));
    for (const v of ["C:\\Group max's", "D:\\it's db", "Obj'Srv", "Addr'", "'Mail", "Con''sole", "C:\\up'chain"]) {
      assert.ok(literals.includes(v), `"${v}" is not one literal`);
    }
    // U+2019 is a quote to PowerShell: it must be doubled, not left to close the string
    assert.ok(all.some((s) => s.commands.some((c) => c.includes("'C:\\jour\u2019\u2019nal'"))));
  });
});

describe("Groupmax on Windows: preflight", () => {
  const check = (from: string, options: Record<string, unknown>) => {
    const req = { installed: from, target: "06-00", platform: "windows" as const, options };
    assertPlanInputs(groupmax, planUpgrade(groupmax, req), req);
  };

  for (const from of ["02-00", "02-01"]) {
    it(`from ${from} without options.addressMailSetup it is INVALID_INPUT naming that option`, () => {
      assert.throws(
        () => check(from, { ...WINDOWS_SITE, addressMailSetup: undefined }),
        (e: unknown) => {
          assert.ok(isUpchainError(e, "INVALID_INPUT"), `got ${String(e)}`);
          assert.ok(e.message.includes("options.addressMailSetup"), e.message);
          assert.ok(!e.message.includes("options.installers"), "the installers were given");
          return true;
        },
      );
    });
  }

  it("with options.addressMailSetup it passes; advup2_6 runs the given path, then the setup is its own step", () => {
    const setup = "& 'C:\\pkg\\confirm-setup.ps1'";
    assert.doesNotThrow(() => check("02-00", { ...WINDOWS_SITE, addressMailSetup: setup }));
    const p = plan("02-00", { addressMailSetup: setup });
    assert.strictEqual(step(p, "advup2_6").commands[1], "& 'C:\\Groupmax\\bin\\advup2_6.exe'");
    assert.deepStrictEqual(step(p, "address-mail-setup").commands, ["$ErrorActionPreference = 'Stop'", setup]);
    assert.strictEqual(p.steps.indexOf(step(p, "address-mail-setup")), p.steps.indexOf(step(p, "advup2_6")) + 1);
  });

  it("03-00 and 05-00 need no addressMailSetup and no advup", () => {
    assert.doesNotThrow(() => check("03-00", { ...WINDOWS_SITE, addressMailSetup: undefined, advup: undefined }));
    assert.doesNotThrow(() => check("05-00", { ...WINDOWS_SITE, addressMailSetup: undefined, advup: undefined }));
  });

  it("the Groupmax version is read the site's way: no documented probe, and VV-RR is read with blanks around it", () => {
    assert.strictEqual(groupmax.probeVersion, undefined);
    assert.strictEqual(vvrrScheme.normalize(" 06-00 "), "06-00");
  });
});
