// OMFLOW's preview checks the local files each hop uploads, on this machine, before any host is
// touched: the patch of every hop and the offline bundle of the 1.2.0.0 hop, with the option problems.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { Platform } from "../../../../providers/engine/planning/catalog";
import { PlanRequest, assertPlanInputs, planUpgrade } from "../../../../providers/engine/planning/planner";
import { tempDir } from "../../../support/localHost";

describe("OMFLOW preflight: local files", () => {
  let dir: string;
  let patches: Record<string, string>;
  let bundle: string;
  beforeEach(() => {
    dir = tempDir("upchain-omflow-preflight-");
    patches = {};
    for (const v of ["1.2.0.0", "1.2.0.1"]) {
      patches[v] = path.join(dir, `omflow_patch_${v.replace(/\./g, "_")}.tar.gz`);
      fs.writeFileSync(patches[v], "x");
    }
    bundle = path.join(dir, "bundle");
    fs.mkdirSync(path.join(bundle, "wheels"), { recursive: true });
    fs.writeFileSync(path.join(bundle, "wheels", "Django-4.2-py3-none-any.whl"), "x");
    fs.writeFileSync(path.join(bundle, "mod_wsgi-5.0.0.tar.gz"), "x");
    fs.mkdirSync(path.join(bundle, "debs"));
    fs.writeFileSync(path.join(bundle, "debs", "python3.11_3.11.2_amd64.deb"), "x");
  });
  const database = {
    databaseBackup: 'pg_dump -Fc -f "$UPCHAIN_BACKUP_DIR/omflow.dump" omflow',
    databaseRestore: 'pg_restore --clean -d omflow "$UPCHAIN_BACKUP_DIR/omflow.dump"',
    runningCheck: "/opt/omflow/server/omflow_server status",
  };
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const request = (options: Record<string, unknown>, platform: Platform = "linux"): PlanRequest => ({
    installed: "1.1.6.1",
    target: "1.2.0.1",
    platform,
    options,
  });
  // the chain 1.1.6.1 -> 1.2.0.0 -> 1.2.0.1, planned without options so that bad ones reach preflight
  const preflight = (options: Record<string, unknown>, platform: Platform = "linux") =>
    omflow.preflight!(planUpgrade(omflow, request({}, platform)).hops, { platform, releases: omflow.defaultReleases, options });

  it("passes when every patch and the bundle are there", () => {
    assert.deepStrictEqual(preflight({ patches, offlineBundle: bundle, ...database }), []);
    const req = request({ patches, offlineBundle: bundle, ...database });
    assert.doesNotThrow(() => assertPlanInputs(omflow, planUpgrade(omflow, req), req));
  });

  it("a patch file that does not exist is named by its field, before any host is touched", () => {
    fs.rmSync(patches["1.2.0.1"]);
    assert.deepStrictEqual(preflight({ patches, offlineBundle: bundle, ...database }), [
      { path: 'options.patches["1.2.0.1"]', message: `"${patches["1.2.0.1"]}" does not exist on this machine (the one running pulumi)` },
    ]);
  });

  it("a patch that is a folder is refused", () => {
    fs.rmSync(patches["1.2.0.0"]);
    fs.mkdirSync(patches["1.2.0.0"]);
    assert.match(preflight({ patches, offlineBundle: bundle, ...database })[0].message, /is a folder; give a file/);
  });

  it("a hop without a patch, and the offline 1.2.0.0 hop without a bundle, are named", () => {
    const { "1.2.0.1": _, ...only120 } = patches;
    assert.deepStrictEqual(
      preflight({ patches: only120, ...database }).map((p) => p.path),
      ["options.offlineBundle", 'options.patches["1.2.0.1"]'],
    );
  });

  it("online, the 1.2.0.0 hop needs no bundle on Linux: Python 3.11 comes from apt and the packages from the index (001 step 3 method 1)", () => {
    assert.deepStrictEqual(preflight({ patches, online: true, ...database }), []);
  });

  it("without the database's site commands, preview names both and says what to give: every restore point holds the database", () => {
    const problems = preflight({ patches, offlineBundle: bundle, runningCheck: database.runningCheck });
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["options.databaseBackup", "options.databaseRestore"],
    );
    assert.match(problems[0].message, /the documents do not say how; give the site's command that copies OMFLOW's database into \$UPCHAIN_BACKUP_DIR/);
  });

  it("without the site's running check, preview names options.runningCheck and says 001's omflow_server status does not say what it answers", () => {
    const { runningCheck: _, ...rest } = database;
    const problems = preflight({ patches, offlineBundle: bundle, ...rest });
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["options.runningCheck"],
    );
    assert.match(
      problems[0].message,
      /001's check `\/opt\/omflow\/server\/omflow_server status` does not say what it answers when OMFLOW is stopped; give the site's read-only command that exits 0 exactly when the OMFLOW service runs/,
    );
  });

  it("the database examples preview gives run pg_dump and pg_restore as postgres while root's shell writes and reads the root-only restore point, and the README's stack gives the same", () => {
    const problems = preflight({ patches, offlineBundle: bundle, runningCheck: database.runningCheck });
    assert.match(problems[0].message, /like sudo -u postgres pg_dump -Fc omflow > "\$UPCHAIN_BACKUP_DIR\/omflow\.dump"$/);
    assert.match(problems[1].message, /like sudo -u postgres pg_restore --clean -d omflow < "\$UPCHAIN_BACKUP_DIR\/omflow\.dump"$/);
    const readme = fs.readFileSync(path.resolve(__dirname, "../../../../..", "providers/catalogs/omflow/README.md"), "utf8");
    const examples = {
      databaseBackup: 'sudo -u postgres pg_dump -Fc omflow > "$UPCHAIN_BACKUP_DIR/omflow.dump"',
      databaseRestore: 'sudo -u postgres pg_restore --clean -d omflow < "$UPCHAIN_BACKUP_DIR/omflow.dump"',
    };
    for (const [field, command] of Object.entries(examples))
      assert.ok(readme.includes(`${field}: ${command}\n`), `the README's stack gives ${field}: ${command}`);
  });

  it("a bundle whose debs folder holds no .deb file is refused on Linux, naming options.offlineBundle", () => {
    fs.rmSync(path.join(bundle, "debs", "python3.11_3.11.2_amd64.deb"));
    const problems = preflight({ patches, offlineBundle: bundle, ...database });
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["options.offlineBundle"],
    );
    assert.match(problems[0].message, /holds no \.deb file/);
  });

  it("a bundle without a debs folder is refused on Linux", () => {
    fs.rmSync(path.join(bundle, "debs"), { recursive: true });
    assert.match(
      preflight({ patches, offlineBundle: bundle, ...database })
        .map((p) => p.message)
        .join("\n"),
      /has no debs\/ folder/,
    );
  });

  it("a bundle that lacks what the hop installs from is refused naming options.offlineBundle", () => {
    fs.rmSync(path.join(bundle, "mod_wsgi-5.0.0.tar.gz"));
    const [p, ...rest] = preflight({ patches, offlineBundle: bundle, ...database });
    assert.strictEqual(rest.length, 0);
    assert.strictEqual(p.path, "options.offlineBundle");
    assert.match(p.message, /has no mod_wsgi sdist/);
  });

  it("option problems and missing files come in one round, as one INVALID_INPUT", () => {
    fs.rmSync(patches["1.2.0.0"]);
    const options = { patches, offlineBundle: bundle, online: "no", ...database };
    assert.deepStrictEqual(
      preflight(options).map((p) => p.path),
      ["options.online", 'options.patches["1.2.0.0"]'],
    );
  });
});
