// OMFLOW's preview checks the local files each hop uploads, on this machine, before any host is
// touched: the patch of every hop and the offline bundle of the 1.2.0.0 hop, with the option problems.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { Platform } from "../../../../providers/engine/catalog";
import { PlanRequest, assertPlanInputs, planUpgrade } from "../../../../providers/engine/planner";
import { isUpchainError } from "../../../../providers/errors";
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
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const request = (options: Record<string, unknown>, platform: Platform = "linux"): PlanRequest => ({ installed: "1.1.6.1", target: "1.2.0.1", platform, options });
  // the chain 1.1.6.1 -> 1.2.0.0 -> 1.2.0.1, planned without options so that bad ones reach preflight
  const preflight = (options: Record<string, unknown>, platform: Platform = "linux") =>
    omflow.preflight!(planUpgrade(omflow, request({}, platform)).hops, { platform, releases: omflow.defaultReleases, options });

  it("passes when every patch and the bundle are there", () => {
    assert.deepStrictEqual(preflight({ patches, offlineBundle: bundle }), []);
    const req = request({ patches, offlineBundle: bundle });
    assert.doesNotThrow(() => assertPlanInputs(omflow, planUpgrade(omflow, req), req));
  });

  it("a patch file that does not exist is named by its field, before any host is touched", () => {
    fs.rmSync(patches["1.2.0.1"]);
    assert.deepStrictEqual(preflight({ patches, offlineBundle: bundle }), [
      { path: 'options.patches["1.2.0.1"]', message: `"${patches["1.2.0.1"]}" does not exist on this machine (the one running pulumi)` },
    ]);
  });

  it("a patch that is a folder is refused", () => {
    fs.rmSync(patches["1.2.0.0"]);
    fs.mkdirSync(patches["1.2.0.0"]);
    assert.match(preflight({ patches, offlineBundle: bundle })[0].message, /is a folder; give a file/);
  });

  it("a hop without a patch, and the 1.2.0.0 hop without a bundle, are named (online too: the wheels come from the bundle)", () => {
    const { "1.2.0.1": _, ...only120 } = patches;
    assert.deepStrictEqual(preflight({ patches: only120, online: true }).map((p) => p.path), ["options.offlineBundle", 'options.patches["1.2.0.1"]']);
  });

  it("a bundle that lacks what the hop installs from is refused naming options.offlineBundle", () => {
    fs.rmSync(path.join(bundle, "mod_wsgi-5.0.0.tar.gz"));
    const [p, ...rest] = preflight({ patches, offlineBundle: bundle });
    assert.strictEqual(rest.length, 0);
    assert.strictEqual(p.path, "options.offlineBundle");
    assert.match(p.message, /has no mod_wsgi sdist/);
  });

  it("option problems and missing files come in one round, as one INVALID_INPUT", () => {
    fs.rmSync(patches["1.2.0.0"]);
    const options = { patches, offlineBundle: bundle, online: "no" };
    assert.deepStrictEqual(preflight(options).map((p) => p.path), ["options.online", 'options.patches["1.2.0.0"]']);
  });
});
