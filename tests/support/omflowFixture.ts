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
    execFileSync(
      "python3",
      [
        "-m",
        "pip",
        "download",
        "-q",
        "--only-binary=:all:",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--platform",
        "manylinux2014_x86_64",
        "-d",
        path.join(dir, "wheels"),
        "django==2.2.28",
        "six",
      ],
      { stdio: "inherit" },
    );
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
    .update(
      fs
        .readdirSync(old)
        .filter((f) => f.startsWith("mod_wsgi"))
        .join("\n"),
    )
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

/** How a patch archive varies, as real vendor patches do (see tests/fixtures/omflow/README.md). */
export interface PatchKind {
  /** The feature version (first three numbers) the patch may be applied from, besides its own; "none" for a bugfix. */
  fromFeature: string;
  /** `bash`: `#!/bin/bash` with bash-only syntax (an array), which fails under `sh patch.sh`. */
  shell: "sh" | "bash";
  /** The patch empties OMFLOW's tmp folder (/opt/omflow/tmp) before reading its own files. */
  cleansTmp: boolean;
  /** The patch starts OMFLOW again when done (000 step 9: "normally not needed by hand"); otherwise it is left stopped. */
  restarts: boolean;
  /** The archive keeps patch.sh without its execute bit (as an archive made on Windows does). */
  executable: boolean;
}

function patchScript(version: string, kind: PatchKind): string {
  const copy =
    kind.shell === "bash"
      ? 'payload=(./files/*)\necho "copying ${#payload[@]} file(s)"\nsed -i "s/^OMFLOW_VERSION = .*/OMFLOW_VERSION = \\"$NEW\\"/" "$SETTINGS"'
      : 'sed -i "s/^OMFLOW_VERSION = .*/OMFLOW_VERSION = \\"$NEW\\"/" "$SETTINGS"';
  return fs
    .readFileSync(path.join(fixtureDir, "patch.sh.in"), "utf8")
    .replace("@SHEBANG@", kind.shell === "bash" ? "#!/bin/bash" : "#!/bin/sh")
    .replace("@KIND@", `${kind.shell}${kind.cleansTmp ? ", cleans /opt/omflow/tmp" : ""}${kind.restarts ? ", restarts OMFLOW" : ", leaves OMFLOW stopped"}`)
    .replace("@CLEAN@", kind.cleansTmp ? 'echo "cleaning $D/tmp"\nrm -rf "$D"/tmp/* "$D"/tmp/.[!.]*' : "")
    .replace("@COPY@", copy)
    .replace("@RESTART@", kind.restarts ? '"$D/server/omflow_server" start' : "")
    .replace(/@FROM_FEATURE@/g, kind.fromFeature);
}

/**
 * A patch archive whose patch.sh behaves like a real one. Its folder is named like the next
 * "upgrade" of the archive's name, as in 001 Linux 1.2.0.0 step 8's own example, so nothing may assume it.
 */
export function patchArchive(version: string, kind: PatchKind): string {
  const script = patchScript(version, kind);
  const id = createHash("sha256").update(script).update(String(kind.executable)).digest("hex").slice(0, 8);
  const base = `omflow_patch_${version.replace(/\./g, "_")}`;
  const dir = path.join(cache, `patch-${version}-${id}`);
  const archive = path.join(dir, `${base}_upgrade3.tar.gz`);
  if (!fs.existsSync(archive)) {
    const folder = path.join(dir, "src", `${base}_upgrade4`);
    fs.mkdirSync(path.join(folder, "files"), { recursive: true });
    fs.writeFileSync(path.join(folder, "patch.sh"), script);
    fs.chmodSync(path.join(folder, "patch.sh"), kind.executable ? 0o755 : 0o644);
    fs.writeFileSync(path.join(folder, "files", "release"), `${version}\n`);
    fs.writeFileSync(path.join(folder, "README.txt"), `OMFLOW ${version} patch (test fixture)\n`);
    execFileSync("tar", ["-czf", archive, "-C", path.join(dir, "src"), `${base}_upgrade4`]);
  }
  return archive;
}

/** Patches by version, varied as real ones are: one without its execute bit, bash-only ones, ones that clean /opt/omflow/tmp. */
export const standardPatches: Record<string, PatchKind> = {
  "1.1.6.0": { fromFeature: "1.1.5", shell: "sh", cleansTmp: false, restarts: true, executable: false },
  "1.1.6.4": { fromFeature: "none", shell: "bash", cleansTmp: false, restarts: false, executable: true },
  "1.2.0.0": { fromFeature: "1.1.6", shell: "bash", cleansTmp: true, restarts: true, executable: true },
  "1.2.0.1": { fromFeature: "none", shell: "sh", cleansTmp: true, restarts: false, executable: true },
};

/** The fake's version, read where the fake keeps it (the site's way; no document names one). */
export const versionCommand = "sed -n 's/^OMFLOW_VERSION = \"\\(.*\\)\"$/\\1/p' /opt/omflow/web/omflow_site/settings.py";

/** The fake's database (a stand-in for OMFLOW's database server), backed up and restored by site commands. */
export const databaseBackup = 'cp -a /var/lib/omflow-db/omflow.db "$UPCHAIN_BACKUP_DIR/omflow.db"';
export const databaseRestore = 'cp -a "$UPCHAIN_BACKUP_DIR/omflow.db" /var/lib/omflow-db/omflow.db';

/** The version the fake on `host` runs now. */
export function installedVersion(host: string): string {
  return onHost(host, versionCommand).trim();
}

/** Make the fake's patch to `version` fail after migrating the database (or stop failing). */
export function failPatch(host: string, version: string, on = true): void {
  onHost(host, on ? `touch /etc/omflow-fixture/FAIL_PATCH_${version}` : `rm -f /etc/omflow-fixture/FAIL_PATCH_${version}`);
}

/** Make the fake's patch to `version` sleep `seconds` before it changes anything. */
export function slowPatch(host: string, version: string, seconds: number): void {
  onHost(host, `echo ${seconds} > /etc/omflow-fixture/SLOW_PATCH_${version}`);
}

/** The fake's own answer to "is OMFLOW running" (its status exits 3 when stopped; see tests/fixtures/omflow/README.md). */
export const runningCheck = "/opt/omflow/server/omflow_server status";

export async function omflowOptions(): Promise<Record<string, unknown>> {
  const patches = Object.fromEntries(Object.entries(standardPatches).map(([v, kind]) => [v, patchArchive(v, kind)]));
  return { patches, offlineBundle: await newEnvironmentBundle(), databaseBackup, databaseRestore, runningCheck };
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
  project.writeConfig({ "upchain:servers": serverEntries(hosts, version, fields) });
  project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
}

/**
 * As configureServers, with the servers listed in a file of the project's that the stack names
 * (upchain:serversFile, relative to the project's folder): the CLI hands the program its whole
 * configuration in one environment variable of at most 128 KiB, which a few hundred entries pass.
 */
export function configureServersInFile(
  project: PulumiProject,
  hosts: TestHost[],
  version: string | string[],
  fields: Record<string, unknown>,
  file = "fleet/servers.json",
): void {
  fs.mkdirSync(path.dirname(path.join(project.dir, file)), { recursive: true });
  fs.writeFileSync(path.join(project.dir, file), JSON.stringify(serverEntries(hosts, version, fields), null, 1) + "\n");
  project.writeConfig({ "upchain:serversFile": file });
  project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
}

function serverEntries(hosts: TestHost[], version: string | string[], fields: Record<string, unknown>): Record<string, unknown>[] {
  const versions = Array.isArray(version) ? version : hosts.map(() => version);
  // the fake keeps its version where no document says (see tests/fixtures/omflow/README.md): the site's versionCommand reads it
  return hosts.map((h, i) => ({ name: h.name, host: h.host, hostKey: h.hostKey, product: "omflow", version: versions[i], versionCommand, ...fields }));
}
