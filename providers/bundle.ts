// Prepares the offline bundle for OMFLOW's 1.2.0.0 hop on the machine that runs pulumi: Python 3.11
// .debs (apt-get download), wheels for Django 4.2, ldap3, openpyxl and the old environment's
// packages (pip download), and the mod_wsgi sdist, which is built on the server. The bundle is
// private (folders 0700, files 0600): it is what a server's environment is rebuilt from.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Platform } from "./engine/planning/catalog";
import { UpchainError } from "./errors";
import { LocalKind, localPathProblems } from "./options/localFiles";
import { shown } from "./options/paths";
import { OptionProblem } from "./options/problems";

export interface BundleOptions {
  out: string;
  /** Extra packages the old environment has (names or name==version), e.g. from its pip freeze. */
  packages: string[];
  /** Download the Python 3.11 .deb files too (needs apt-get on this machine). */
  debs: boolean;
  pythonVersion?: string;
  index?: string;
}

const BUNDLE_BASE = ["django==4.2", "ldap3", "openpyxl", "wheel", "setuptools"];
/** 001 Supplement "Download Ubuntu Package Offline Installation Package": the required packages. */
const PYTHON_DEBS = ["python3.11", "python3.11-dev", "python3.11-venv", "python3-pip"];

/**
 * The .deb files as 001's Supplement downloads them, on "an environment similar to the OMFLOW server":
 * `apt-get install --download-only` of the four packages, which fetches them with every dependency
 * this machine lacks (into the bundle, not apt's cache), and `apt-get download` of the four
 * themselves, which this machine may already have. The closure is relative to this machine: run it on
 * one like the server; the hop refuses a bundle that leaves a package unconfigured on the server.
 */
function downloadDebs(debs: string, log: (l: string) => void): void {
  privateFolder(debs);
  privateFolder(path.join(debs, "partial"));
  log(`Python 3.11 .debs and the dependencies this machine lacks: ${PYTHON_DEBS.join(" ")}`);
  const fetch = () => {
    execFileSync("apt-get", ["install", "--download-only", "-y", "-o", `Dir::Cache::archives=${debs}`, ...PYTHON_DEBS], { stdio: "inherit" });
    execFileSync("apt-get", ["download", ...PYTHON_DEBS], { cwd: debs, stdio: "inherit" });
  };
  try {
    fetch();
  } catch (e) {
    // a machine whose package lists were never fetched cannot locate them; fetch once and retry
    if (process.getuid?.() !== 0) throw e;
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    fetch();
  }
  // apt's own bookkeeping in the archives folder is not part of the bundle
  fs.rmSync(path.join(debs, "partial"), { recursive: true, force: true });
  fs.rmSync(path.join(debs, "lock"), { force: true });
}

export async function buildBundle(o: BundleOptions, log: (l: string) => void = console.error): Promise<void> {
  assertBundleFolder(o.out);
  privateFolder(o.out);
  const wheels = path.join(o.out, "wheels");
  privateFolder(wheels);
  const pyv = o.pythonVersion ?? "3.11";
  log(`wheels for Python ${pyv}: ${[...BUNDLE_BASE, ...o.packages].join(" ")}`);
  execFileSync(
    "python3",
    [
      "-m",
      "pip",
      "download",
      "-q",
      "--only-binary=:all:",
      "--python-version",
      pyv,
      "--implementation",
      "cp",
      "--platform",
      "manylinux2014_x86_64",
      "-d",
      wheels,
      ...BUNDLE_BASE,
      ...o.packages,
    ],
    { stdio: "inherit" },
  );
  await downloadSdist("mod_wsgi", o.out, o.index ?? "https://pypi.org", log);
  if (o.debs) downloadDebs(path.join(o.out, "debs"), log);
  // pip and apt-get write under the user's umask; the folder was 0700 throughout, now every file is 0600
  makePrivate(o.out);
}

/** What a bundle folder holds; anything else in --out means it is some other folder. */
const BUNDLE_ENTRY = /^(wheels|debs|mod_wsgi-.*\.tar\.gz|python-3\.11.*\.exe)$/;

/**
 * The bundle folder is made private (0700, every file in it 0600), so it must be a new or empty
 * folder or an earlier bundle: pointed at /srv by mistake, it would lock everyone else out of /srv.
 */
export function assertBundleFolder(out: string): void {
  if (!fs.existsSync(out)) return;
  if (!fs.statSync(out).isDirectory())
    throw new UpchainError("INVALID_INPUT", `--out: ${shown(out)} is not a folder; give a new or empty folder for the bundle`, ["out"]);
  const others = fs.readdirSync(out).filter((n) => !BUNDLE_ENTRY.test(n));
  if (others.length) {
    const listed = others.slice(0, 5).join(", ") + (others.length > 5 ? ` and ${others.length - 5} more` : "");
    throw new UpchainError(
      "INVALID_INPUT",
      `--out: ${shown(out)} holds other files (${listed}); give a new or empty folder for the bundle (it is made private, 0700)`,
      ["out"],
    );
  }
}

/** Create `dir` (and missing parents) 0700, and make it 0700 if it was there already. */
export function privateFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/** Every folder under `dir` (itself included) 0700, every file 0600. Links are left alone. */
export function makePrivate(dir: string): void {
  fs.chmodSync(dir, 0o700);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makePrivate(p);
    else if (e.isFile()) fs.chmodSync(p, 0o600);
  }
}

/** What the 1.2.0.0 hop reads from a bundle on each platform (see linux.ts and windows.ts of the OMFLOW catalog). */
const BUNDLE_HOLDS: Record<Platform, { pattern: RegExp; kind: LocalKind; what: string }[]> = {
  linux: [
    { pattern: /^wheels$/, kind: "folder", what: "wheels/ folder" },
    { pattern: /^mod_wsgi-.*\.tar\.gz$/, kind: "file", what: "mod_wsgi sdist (mod_wsgi-<version>.tar.gz)" },
    { pattern: /^debs$/, kind: "folder", what: "debs/ folder (the Python 3.11 .deb files the hop installs with dpkg -i; --debs)" },
  ],
  windows: [
    { pattern: /^wheels$/, kind: "folder", what: "wheels/ folder" },
    { pattern: /^python-3\.11.*\.exe$/, kind: "file", what: "Python 3.11 32-bit installer (python-3.11*.exe)" },
  ],
};

/** Problems with the offline bundle at `dir` (named `field`): missing, unreadable, or lacking what the hop installs from. */
export function offlineBundleProblems(field: string, dir: string, platform: Platform): OptionProblem[] {
  const problems = localPathProblems(field, dir, "folder");
  if (problems.length) return problems;
  const names = fs.readdirSync(dir);
  for (const need of BUNDLE_HOLDS[platform]) {
    const found = names.find((n) => need.pattern.test(n));
    if (!found) {
      problems.push({ path: field, message: `the bundle ${shown(dir)} has no ${need.what}; prepare it with upchain bundle omflow --out ${dir}` });
      continue;
    }
    problems.push(...localPathProblems(field, path.join(dir, found), need.kind));
  }
  const wheels = path.join(dir, "wheels");
  if (names.includes("wheels") && fs.statSync(wheels).isDirectory() && !fs.readdirSync(wheels).some((n) => n.endsWith(".whl"))) {
    problems.push({
      path: field,
      message: `the bundle's wheels folder ${shown(wheels)} holds no .whl file; prepare it with upchain bundle omflow --out ${dir}`,
    });
  }
  const debs = path.join(dir, "debs");
  if (platform === "linux" && names.includes("debs") && fs.statSync(debs).isDirectory() && !fs.readdirSync(debs).some((n) => n.endsWith(".deb"))) {
    problems.push({
      path: field,
      message: `the bundle's debs folder ${shown(debs)} holds no .deb file; prepare it with upchain bundle omflow --debs --out ${dir}, or set options.online: true`,
    });
  }
  return problems;
}

/** pip cannot download mod_wsgi's sdist without Apache's headers here, so fetch it from the index's JSON API. */
async function downloadSdist(name: string, out: string, index: string, log: (l: string) => void): Promise<void> {
  const api = new URL(`/pypi/${name}/json`, index);
  const meta = (await (await fetch(api)).json()) as { urls: { packagetype: string; url: string; filename: string }[] };
  const sdist = meta.urls.find((u) => u.packagetype === "sdist");
  if (!sdist) throw new Error(`${name} has no sdist on ${index}`);
  const url = new URL(sdist.url, api);
  log(`${name} sdist: ${sdist.filename}`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`downloading ${url} failed: HTTP ${res.status}`);
  fs.writeFileSync(path.join(out, sdist.filename), Buffer.from(await res.arrayBuffer()), { mode: 0o600 });
}
