// Prepares the offline bundle for OMFLOW's 1.2.0.0 hop on the machine that runs pulumi: Python 3.11
// .debs (apt-get download), wheels for Django 4.2, ldap3, openpyxl and the old environment's
// packages (pip download), and the mod_wsgi sdist, which is built on the server.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface BundleOptions {
  out: string;
  /** Extra packages the old environment has (names or name==version), e.g. from its pip freeze. */
  packages: string[];
  /** Download the Python 3.11 .deb files too (needs apt-get on this machine). */
  debs: boolean;
  pythonVersion?: string;
  index?: string;
}

export const BUNDLE_BASE = ["django==4.2", "ldap3", "openpyxl", "wheel", "setuptools"];
export const PYTHON_DEBS = ["python3.11", "python3.11-minimal", "python3.11-venv", "python3.11-dev", "libpython3.11-minimal", "libpython3.11-stdlib", "libpython3.11", "libpython3.11-dev"];

export async function buildBundle(o: BundleOptions, log: (l: string) => void = console.error): Promise<void> {
  const wheels = path.join(o.out, "wheels");
  fs.mkdirSync(wheels, { recursive: true });
  const pyv = o.pythonVersion ?? "3.11";
  log(`wheels for Python ${pyv}: ${[...BUNDLE_BASE, ...o.packages].join(" ")}`);
  execFileSync(
    "python3",
    ["-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", pyv, "--implementation", "cp", "--platform", "manylinux2014_x86_64", "-d", wheels, ...BUNDLE_BASE, ...o.packages],
    { stdio: "inherit" },
  );
  await downloadSdist("mod_wsgi", o.out, o.index ?? "https://pypi.org", log);
  if (o.debs) {
    const debs = path.join(o.out, "debs");
    fs.mkdirSync(debs, { recursive: true });
    log(`Python 3.11 .debs: ${PYTHON_DEBS.join(" ")}`);
    try {
      execFileSync("apt-get", ["download", ...PYTHON_DEBS], { cwd: debs, stdio: "inherit" });
    } catch (e) {
      // a machine whose package lists were never fetched cannot locate them; fetch once and retry
      if (process.getuid?.() !== 0) throw e;
      execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
      execFileSync("apt-get", ["download", ...PYTHON_DEBS], { cwd: debs, stdio: "inherit" });
    }
  }
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
  fs.writeFileSync(path.join(out, sdist.filename), Buffer.from(await res.arrayBuffer()));
}
