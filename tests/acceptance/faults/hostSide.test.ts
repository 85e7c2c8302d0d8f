// Fault matrix, what a run leaves and trusts on the host (issue 19): a poll that cannot fork while the
// step runs (a pids cgroup at its limit) is never "the step died", so nothing is restored under the
// live step; a step that uses a secret and is stopped at its deadline leaves no secrets file, and one
// left by an older run is swept when the next run takes the lock; and a racing writer swapping
// Altazion's reviewed database script during the step never gets an unreviewed script run.
import * as assert from "assert";
import { createHash, randomBytes } from "crypto";
import { linuxCommands } from "../../../providers/catalogs/altazion/linux";
import { altazionOptions } from "../../../providers/catalogs/altazion/options";
import { isUpchainError } from "../../../providers/errors";
import { quote } from "../../../providers/quote";
import { ExecOptions, ExecResult, RemoteHost } from "../../../providers/transport/remoteHost";
import { faultInstallScript } from "../../support/faultCatalog";
import {
  STATE,
  assertRestored,
  connectFast,
  history,
  hostLines,
  installs,
  liveJournal,
  runFaulty,
  serving,
  setHook,
  sha,
  version,
  waitFor,
} from "../../support/faultHost";
import { TestHost, onHost, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const N = "fhs";
/** Where the test mounts the pids cgroup hierarchy inside the host (a test host has none mounted). */
const PIDS = "/run/upchain-pids";
/** The limits the polls run under, one cgroup each: from "no fork at all" to "a few". */
const LIMITS = [1, 2, 3, 4, 5, 6];
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * The SSH host, with every poll of a step's state run inside a pids cgroup while `limited` is set:
 * the poll's shell joins the cgroup (the next limit each time), then becomes the poll (exec, no fork),
 * so every process it starts counts against the limit. What each limited poll answered is kept.
 */
class ForkLimitedHost implements RemoteHost {
  limited = false;
  readonly answers: { limit: number; code: number | null; stderr: string }[] = [];
  private turn = 0;
  constructor(private readonly inner: RemoteHost) {}
  get label() {
    return this.inner.label;
  }
  async exec(command: string, o?: ExecOptions): Promise<ExecResult> {
    if (!this.limited || !command.includes("not-started")) return this.inner.exec(command, o);
    const limit = LIMITS[this.turn++ % LIMITS.length];
    const r = await this.inner.exec(`echo $$ > ${PIDS}/${N}-${limit}/cgroup.procs || exit 99; exec sh -c ${quote(command)}`, o);
    this.answers.push({ limit, code: r.code, stderr: r.stderr });
    return r;
  }
  readFile(p: string) {
    return this.inner.readFile(p);
  }
  writeFile(p: string, d: Buffer | string, m?: number) {
    return this.inner.writeFile(p, d, m);
  }
  reconnect = (o: Parameters<NonNullable<RemoteHost["reconnect"]>>[0]) => this.inner.reconnect!(o);
  close() {
    return this.inner.close();
  }
}

describe("fault matrix: the host side (forkless polls, secrets files, reviewed scripts)", function () {
  this.timeout(120_000);
  let h: TestHost;
  let ssh: RemoteHost;
  const lines: string[] = [];

  before(async () => {
    requireRoot();
    [h] = startHosts(N);
    ssh = await connectFast(h);
    // the pids controller's hierarchy inside the host, and one cgroup per limit
    onHost(
      N,
      `mkdir -p ${PIDS} && (mountpoint -q ${PIDS} || mount -t cgroup -o pids upchain-pids ${PIDS}) && ` +
        LIMITS.map((l) => `mkdir -p ${PIDS}/${N}-${l} && echo ${l} > ${PIDS}/${N}-${l}/pids.max`).join(" && "),
    );
  });
  after(async () => {
    await ssh?.close();
    try {
      onHost(N, LIMITS.map((l) => `rmdir ${PIDS}/${N}-${l} 2>/dev/null`).join("; ") + `; umount ${PIDS}; true`);
    } finally {
      stopHosts(N);
    }
  });
  beforeEach(() => {
    onHost(N, faultInstallScript("1"));
    lines.length = 0;
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(lines.join("\n"));
  });

  it("a poll that cannot fork while the install runs never reports it gone: the run waits, the install finishes, nothing is restored", async () => {
    const host = new ForkLimitedHost(ssh);
    setHook(N, "slow-2", "6");
    const run = runFaulty(host, "1", "2", { lines });
    await waitFor("the install to start", () => hostLines(N, "/opt/counter/steps.log").some((l) => l.startsWith("start install-2")), 30_000);
    host.limited = true;
    await new Promise((r) => setTimeout(r, 4000));
    host.limited = false;
    const r = await run;
    assert.strictEqual(r.reached, "2");
    const gone = host.answers.filter((a) => /^gone$/m.test(a.stderr));
    assert.deepStrictEqual(
      gone.map((a) => a.limit),
      [],
      "no poll said gone while the install ran",
    );
    assert.ok(host.answers.length >= LIMITS.length, `${host.answers.length} polls ran under a limit`);
    // a shell that cannot fork ends at the first command it must start (exit 2), its message often lost with that command's redirection
    assert.ok(
      host.answers.some((a) => a.code === 2 || /fork/i.test(a.stderr)),
      `the limit bit: some poll could not fork (${JSON.stringify(host.answers.slice(0, 3))})`,
    );
    assert.deepStrictEqual(installs(N), ["install 2"], "installed once, never restored");
    assert.strictEqual(version(N), "2");
    assert.strictEqual(serving(N), "2");
    assert.strictEqual(history(N).pop()?.[1].status, "done");
  });

  it("a step that uses a secret, stopped at its deadline, leaves no secrets file; one an earlier run left is swept when the next run takes the lock", async () => {
    const secret = `pw-${randomBytes(18).toString("base64url")}`;
    const env = { UPCHAIN_SECRET_PW: secret };
    const db = sha(N, "/opt/counter/data/db");
    setHook(N, "needs-secret-2");
    setHook(N, "hang-2");
    await assert.rejects(
      runFaulty(ssh, "1", "2", { lines, env, secrets: [secret], stepTimeouts: { install: 3 } }),
      (e: unknown) => isUpchainError(e, "STEP_FAILED") && /exited 124/.test((e as Error).message),
    );
    assertRestored(N, db);
    const leftovers = () => onHost(N, `find ${STATE} -name env -type f; grep -rl -F -- ${quote(secret)} ${STATE} /tmp /var/tmp 2>/dev/null; true`).trim();
    assert.strictEqual(leftovers(), "", "no secrets file, and the secret in no file, after the step was killed");

    // a file an older upchain (or a power cut before the step read it) left behind
    const stale = `${STATE}/runs/20260101T000000-abcdef/002-install`;
    onHost(N, `mkdir -p ${stale} && printf "export UPCHAIN_SECRET_PW='%s'\\n" ${quote(secret)} > ${stale}/env && touch -d '-10 minutes' ${stale}/env`);
    onHost(N, "rm -f /opt/counter/hooks/hang-2");
    const r = await runFaulty(ssh, "1", "2", { lines, env, secrets: [secret] });
    assert.strictEqual(r.reached, "2", "the install read its secret");
    assert.strictEqual(leftovers(), "", "the stale file was swept, and the run left none");
    assert.strictEqual(liveJournal(N), undefined);
  });

  it("a racing writer swapping a reviewed database script during the step never gets an unreviewed script run (0 of 150 runs)", () => {
    const runs = 150;
    const good = "UPDATE settings SET v = 2;\n";
    const evil = "DROP TABLE customers;\n";
    const folder = "/srv/altazion-sql/5.2.0.0";
    const sql = "/usr/local/bin/fake-sql";
    const ran = "/var/tmp/fake-sql.log";
    const o = altazionOptions(
      {
        dataFolder: "/srv/altazion",
        modules: [{ name: "database", target: "latest", folder: "/srv/altazion/db" }],
        database: { sqlCommand: sql, backupCommand: "true", scriptsFolder: "/srv/altazion-sql/{version}" },
      },
      "linux",
    );
    const step = linuxCommands(o).runScript(sql, "5.2.0.0", { name: "010_settings.sql", sha256: sha256(good) });
    // as the detached runner runs a step: sh, set -e, the step's commands
    const script = `set -e\n${step.join("\n")}\n`;
    onHost(
      N,
      [
        `mkdir -p ${folder} /var/tmp/swap && rm -f ${ran}`,
        `printf %s ${quote(good)} > /var/tmp/swap/good && printf %s ${quote(evil)} > /var/tmp/swap/evil && cp /var/tmp/swap/good ${folder}/010_settings.sql`,
        // the SQL tool: records the sha256 of the script it was given
        `printf '#!/bin/sh\\nsha256sum < "$1" | cut -d" " -f1 >> ${ran}\\n' > ${sql} && chmod 755 ${sql}`,
        `printf %s ${quote(script)} > /var/tmp/step.sh`,
      ].join(" && "),
    );
    const out = onHost(
      N,
      [
        // the writer: the site's file swapped by rename between the reviewed and another content, without a pause
        `( while :; do cp /var/tmp/swap/evil ${folder}/.s1 && mv -f ${folder}/.s1 ${folder}/010_settings.sql; cp /var/tmp/swap/good ${folder}/.s2 && mv -f ${folder}/.s2 ${folder}/010_settings.sql; done ) & w=$!`,
        `ok=0; refused=0; i=0; while [ $i -lt ${runs} ]; do if sh /var/tmp/step.sh 2>/dev/null; then ok=$((ok+1)); else refused=$((refused+1)); fi; i=$((i+1)); done`,
        `kill $w; wait $w 2>/dev/null; echo "ok=$ok refused=$refused"`,
      ].join("\n"),
    );
    const executed = hostLines(N, ran);
    const unreviewed = executed.filter((x) => x !== sha256(good));
    assert.strictEqual(unreviewed.length, 0, `${unreviewed.length} of ${runs} runs executed an unreviewed script (${out.trim()})`);
    const ok = Number(out.match(/ok=(\d+)/)?.[1]);
    assert.ok(ok > 0, `some runs got the reviewed script and ran it (${out.trim()})`);
    assert.strictEqual(executed.length, ok, "every run that succeeded ran the script once, and a refused one never ran it");
    assert.strictEqual(onHost(N, "ls -d /tmp/upchain-sql.* 2>/dev/null | wc -l").trim(), "0", "no private copy left behind");
  });
});
