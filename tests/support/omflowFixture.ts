// The fake OMFLOW on test hosts: its old environment, its patch archives and the offline bundle the
// 1.2.0.0 hop needs. Downloads (wheels, the mod_wsgi sdist, .debs) happen once per machine and are
// cached under UPCHAIN_CACHE; the hosts themselves stay offline.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildBundle } from "../../providers/bundle";
import { TestHost, onHost, privateKey } from "./hosts";
import { PulumiProject, repoRoot } from "./pulumi";

const fixtureDir = path.join(repoRoot, "tests/fixtures/omflow");
const cache = path.join(process.env.UPCHAIN_CACHE ?? "/var/cache/upchain", "fixtures");

function cached(name: string, build: (dir: string) => Promise<void> | void): Promise<string> {
  const dir = path.join(cache, name);
  if (fs.existsSync(path.join(dir, ".complete"))) return Promise.resolve(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return Promise.resolve(build(dir)).then(() => {
    fs.writeFileSync(path.join(dir, ".complete"), "");
    return dir;
  });
}

/** The bundle the 1.2.0.0 hop installs from: Django 4.2 and friends, the old env's extras, mod_wsgi, .debs. */
export function newEnvironmentBundle(): Promise<string> {
  return cached("omflow-bundle-v1", (dir) => buildBundle({ out: dir, packages: ["six", "pytz"], debs: true }, () => undefined));
}

/** What the fixture's old environment is built from: Django 2.2, six, and the mod_wsgi sdist. */
function oldEnvironmentWheels(): Promise<string> {
  return cached("omflow-old-env-v1", async (dir) => {
    await buildBundle({ out: dir, packages: [], debs: false }, () => undefined); // mod_wsgi sdist + tooling wheels
    execFileSync("python3", ["-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
      "--platform", "manylinux2014_x86_64", "-d", path.join(dir, "wheels"), "django==2.2.28", "six"], { stdio: "inherit" });
  });
}

/**
 * The old environment as the first host built it (/opt/omflow/python, mod_wsgi compiled), kept per
 * machine for the next hosts: every host has the same base and the same path. Keyed by what builds it.
 */
function builtEnvironment(old: string): string {
  const key = createHash("sha256")
    .update(fs.readFileSync(path.join(fixtureDir, "install.sh")))
    .update(fs.readdirSync(path.join(old, "wheels")).sort().join("\n"))
    .update(fs.readdirSync(old).filter((f) => f.startsWith("mod_wsgi")).join("\n"))
    .update(fs.readFileSync(path.join(repoRoot, "tests/hosts/testhost.sh")))
    .digest("hex")
    .slice(0, 12);
  return path.join(cache, `omflow-python-${key}.tgz`);
}

/** Install the fake OMFLOW at `version` with its old venv, Apache site and mod_wsgi on a host. */
export async function installOmflow(host: { name: string; root: string }, version: string): Promise<void> {
  const old = await oldEnvironmentWheels();
  const target = path.join(host.root, "opt/omflow-fixture");
  const built = builtEnvironment(old);
  fs.mkdirSync(target, { recursive: true });
  fs.cpSync(fixtureDir, target, { recursive: true });
  fs.cpSync(old, target, { recursive: true });
  if (fs.existsSync(built)) fs.copyFileSync(built, path.join(target, "python.tgz"));
  onHost(host.name, `sh /opt/omflow-fixture/install.sh ${version} >/var/log/omflow-fixture.log 2>&1 || { cat /var/log/omflow-fixture.log; exit 1; }`);
  if (!fs.existsSync(built)) {
    onHost(host.name, "tar -C /opt/omflow -czf /opt/omflow-fixture/python.tgz python");
    fs.copyFileSync(path.join(target, "python.tgz"), `${built}.tmp`);
    fs.renameSync(`${built}.tmp`, built);
  }
}

/**
 * A patch archive whose patch.sh behaves like the real one. Its folder is named like the next
 * "upgrade" of the archive's name, as in the document's own example, so nothing may assume it.
 */
export function patchArchive(version: string, fromFeature: string): string {
  const script = fs.readFileSync(path.join(fixtureDir, "patch.sh.in"), "utf8").replace(/@NEW@/g, version).replace(/@FROM_FEATURE@/g, fromFeature);
  const id = createHash("sha256").update(script).digest("hex").slice(0, 8);
  const base = `omflow_patch_${version.replace(/\./g, "_")}`;
  const dir = path.join(cache, `patch-${version}-${id}`);
  const archive = path.join(dir, `${base}_upgrade3.tar.gz`);
  if (!fs.existsSync(archive)) {
    const folder = path.join(dir, "src", `${base}_upgrade4`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "patch.sh"), script, { mode: 0o755 });
    fs.writeFileSync(path.join(folder, "README.txt"), `OMFLOW ${version} patch (test fixture)\n`);
    execFileSync("tar", ["-czf", archive, "-C", path.join(dir, "src"), `${base}_upgrade4`]);
  }
  return archive;
}

/** Patches by version, each with the feature version it may be applied from (see patch.sh.in). */
export const standardPatches: Record<string, string> = {
  "1.1.6.0": "1.1.5",
  "1.1.6.4": "none",
  "1.2.0.0": "1.1.6",
  "1.2.0.1": "none",
};

export async function omflowOptions(): Promise<Record<string, unknown>> {
  const patches = Object.fromEntries(Object.entries(standardPatches).map(([v, from]) => [v, patchArchive(v, from)]));
  return { patches, offlineBundle: await newEnvironmentBundle() };
}

/** A project whose stack manages `hosts` as OMFLOW servers at the given target version(s). */
export async function omflowProject(stack: string, hosts: TestHost[], version: string | string[], extra: Record<string, unknown> = {}): Promise<PulumiProject> {
  const options = await omflowOptions();
  const project = new PulumiProject(stack);
  project.init();
  configureServers(project, hosts, version, { options, ...extra });
  return project;
}

/** (Re)write the stack's servers, each at its target version, and the SSH key as a secret. */
export function configureServers(project: PulumiProject, hosts: TestHost[], version: string | string[], fields: Record<string, unknown>): void {
  const versions = Array.isArray(version) ? version : hosts.map(() => version);
  project.writeConfig({
    "upchain:servers": hosts.map((h, i) => ({ name: h.name, host: h.host, hostKey: h.hostKey, product: "omflow", version: versions[i], ...fields })),
  });
  project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
}
