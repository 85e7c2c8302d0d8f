// The bad-input suite's view of a catalog: a full chain per product and platform, the option fields
// that hold paths and names, and a verdict for one hostile value: refused naming its field, or
// rendered into commands that hold it only as literal, correctly quoted words.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { groupmax } from "../../providers/catalogs/groupmax";
import { omflow } from "../../providers/catalogs/omflow";
import { Catalog, Platform, Step, commandsOf } from "../../providers/engine/planning/catalog";
import { PlanRequest, planInputProblems, planUpgrade } from "../../providers/engine/planning/planner";
import { isUpchainError } from "../../providers/errors";
import { quotePowerShell } from "../../providers/quote";
import { Lexed, canaryOf, lexPowerShell, lexSh, psCanaryOf, shDecode, shSyntaxErrors } from "./hostile";

type Options = Record<string, unknown>;

/** Real local files, so a preview that checks local files finds them and judges only the field under test. */
function localFiles() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-badinput-"));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, "fixture\n");
    return f;
  };
  // the shape main's own tests give a bundle (tests/unit/bundle.test.ts, preflight.test.ts): a wheel,
  // the mod_wsgi sdist the Linux hop builds, the Python installer the Windows hop runs
  const bundle = path.join(dir, "bundle");
  fs.mkdirSync(path.join(bundle, "wheels"), { recursive: true });
  fs.mkdirSync(path.join(bundle, "debs"), { recursive: true });
  for (const f of ["wheels/Django-4.2-py3-none-any.whl", "mod_wsgi-5.0.0.tar.gz", "python-3.11.9.exe", "debs/python3.11_3.11.2_amd64.deb"])
    fs.writeFileSync(path.join(bundle, f), "fixture\n");
  return { dir, file, bundle };
}
const local = localFiles();

export interface Product {
  catalog: Catalog;
  platform: Platform;
  installed: string;
  target: string;
  base: Options;
}

const omflowPatches = (platform: Platform) =>
  Object.fromEntries(omflow.defaultReleases.map((r) => [r, local.file(`omflow_patch_${r.replace(/\./g, "_")}.${platform === "windows" ? "exe" : "tar.gz"}`)]));

const groupmaxSvc = (n: string) => ({ start: `site-ctl start ${n}`, stop: `site-ctl stop ${n}`, status: `site-ctl status ${n}` });
const groupmaxBase = (platform: Platform): Options => ({
  installers: { objectServer: "install objsrv", addressServer: "install address", mailServer: "install mail" },
  addressMailSetup: "confirm address-mail",
  installDirs: platform === "windows" ? ["C:\\Groupmax\\Address", "C:\\Groupmax\\Mail"] : ["/opt/gmx/address", "/opt/gmx/mail"],
  databasePaths: platform === "windows" ? ["D:\\GroupmaxDB"] : ["/var/opt/gmx/db"],
  journalDir: platform === "windows" ? "C:\\Groupmax\\journal" : "/var/opt/gmx/journal",
  advup: platform === "windows" ? "C:\\Groupmax\\bin\\advup2_6.exe" : "/opt/gmx/address/bin/advup2_6",
  ...(platform === "linux"
    ? {
        commands: {
          objectServer: groupmaxSvc("objsrv"),
          address: groupmaxSvc("address"),
          server: groupmaxSvc("server"),
          console: groupmaxSvc("console"),
          autostart: { isOn: "site-ctl autostart is-on", off: "site-ctl autostart off", on: "site-ctl autostart on" },
        },
      }
    : {
        windowsServices: {
          objectServer: "Groupmax Object Server",
          address: "Groupmax Address Server",
          server: "Groupmax Mail Server",
          console: "Groupmax Operator Console",
        },
      }),
  uploads: [
    {
      source: local.file("gmax-package.tar"),
      destination: platform === "windows" ? "C:\\upchain\\pkg\\gmax-package.tar" : "/var/tmp/upchain/gmax-package.tar",
    },
  ],
  operatorConsole: true,
});

/** The longest chains each catalog has: OMFLOW through the Python 3.11 rebuild, Groupmax from 02-00 (services, advup2_6). */
export const products: Record<string, Product> = {
  "omflow linux": {
    catalog: omflow,
    platform: "linux",
    installed: "1.1.6.1",
    target: "1.2.0.1",
    base: { patches: omflowPatches("linux"), offlineBundle: local.bundle, databaseBackup: "true", databaseRestore: "true", runningCheck: "true" },
  },
  "omflow windows": {
    catalog: omflow,
    platform: "windows",
    installed: "1.1.3.0",
    target: "1.2.0.1",
    // the site's answers preview asks for on Windows (windowsPreflight.ts), with a package so the Python 3.11 steps are rendered
    base: {
      patches: omflowPatches("windows"),
      windowsServiceName: "OMFLOW Server",
      updaterArguments: ["/site-switch"],
      acceptTermsOfUse: true,
      databaseBackup: "& dump.cmd",
      databaseRestore: "& load.cmd",
      additionalPythonPackages: ["pymssql"],
      python311Installer: local.file("python-3.11.9.exe"),
    },
  },
  "groupmax linux": { catalog: groupmax, platform: "linux", installed: "02-00", target: "06-00", base: groupmaxBase("linux") },
  "groupmax windows": { catalog: groupmax, platform: "windows", installed: "02-00", target: "06-00", base: groupmaxBase("windows") },
};

export interface Field {
  /** As the error names it: options.installDir, options.uploads.0.destination, ... */
  label: string;
  /** Does a problem's path name this field? (zod paths are dotted; hand-written ones may use [0] or ["key"].) */
  names: (problemPath: string) => boolean;
  set: (o: Options, v: string) => Options;
  /** Names, not paths: generate them from hostile text rather than hostile paths. */
  kind: "path" | "name";
}

const named = (...parts: string[]) => {
  const re = new RegExp("^options" + parts.map((p) => (/^\d+$/.test(p) ? `(\\.${p}|\\[${p}\\])` : `(\\.${p}\\b|\\["${p}"\\])`)).join(""));
  return (problemPath: string) => re.test(problemPath);
};
const top = (key: string, kind: Field["kind"] = "path"): Field => ({ label: `options.${key}`, names: named(key), set: (o, v) => ({ ...o, [key]: v }), kind });

const patch = (version: string): Field => ({
  label: `options.patches["${version}"]`,
  names: (p) => /^options\.patches/.test(p),
  set: (o, v) => ({ ...o, patches: { ...(o.patches as Record<string, unknown> | undefined), [version]: v } }),
  kind: "path",
});
const upload = (key: "source" | "destination"): Field => ({
  label: `options.uploads.0.${key}`,
  names: named("uploads", "0", key),
  set: (o, v) => ({ ...o, uploads: [{ ...(o.uploads as Record<string, unknown>[])[0], [key]: v }] }),
  kind: "path",
});
const databasePath: Field = {
  label: "options.databasePaths.0",
  names: named("databasePaths", "0"),
  set: (o, v) => ({ ...o, databasePaths: [v] }),
  kind: "path",
};
const windowsService = (key: string): Field => ({
  label: `options.windowsServices.${key}`,
  names: named("windowsServices", key),
  set: (o, v) => ({ ...o, windowsServices: { ...(o.windowsServices as Record<string, unknown> | undefined), [key]: v } }),
  kind: "name",
});

const groupmaxPaths = ["journalDir", "backupDir", "servicesFile", "advup"].map((k) => top(k));
const installDirPath: Field = { label: "options.installDirs.0", names: named("installDirs", "0"), set: (o, v) => ({ ...o, installDirs: [v] }), kind: "path" };

/** Every path option (and the names rendered into commands) each product reads on each platform. */
export const fields: Record<string, Field[]> = {
  "omflow linux": [top("installDir"), top("apacheSiteConf"), top("backupDir"), patch("1.2.0.0"), top("offlineBundle")],
  "omflow windows": [top("windowsInstallDir"), top("windowsServiceName", "name"), patch("1.1.4.0"), top("python311Installer")],
  "groupmax linux": [...groupmaxPaths, installDirPath, databasePath, upload("source"), upload("destination")],
  "groupmax windows": [
    ...groupmaxPaths,
    installDirPath,
    databasePath,
    upload("source"),
    upload("destination"),
    windowsService("address"),
    windowsService("objectServer"),
  ],
};

export type Verdict =
  | { kind: "refused"; problems: { path: string; message: string }[] }
  | { kind: "rendered"; commands: { shell: Step["shell"]; text: string }[]; steps: Step[] }
  | { kind: "crashed"; error: unknown };

/** Every command the chain can run: each hop's steps, restore and recovery, the version probe, and the commands an edit step runs. */
export function renderAll(p: Product, options: Options): { commands: { shell: Step["shell"]; text: string }[]; steps: Step[] } {
  const req: PlanRequest = { installed: p.installed, target: p.target, platform: p.platform, options };
  const plan = planUpgrade(p.catalog, req);
  const ctx = { platform: p.platform, releases: [...p.catalog.defaultReleases], options };
  const steps: Step[] = [...plan.steps];
  for (const hop of plan.hops) steps.push(...p.catalog.restoreSteps(hop, ctx), ...(p.catalog.recoverSteps?.(hop, ctx) ?? []));
  const commands: { shell: Step["shell"]; text: string }[] = [];
  for (const s of steps) {
    for (const c of commandsOf(s)) commands.push({ shell: s.shell, text: c });
  }
  const probe = p.catalog.probeVersion?.(ctx);
  if (probe) commands.push({ shell: probe.shell, text: probe.command });
  return { commands, steps };
}

/** Refused (at preview, before or after planning), rendered, or crashed (anything but an UpchainError naming a field). */
export function verdict(p: Product, options: Options): Verdict {
  try {
    const early = planInputProblems(p.catalog, [], { platform: p.platform, options });
    if (early.length) return { kind: "refused", problems: early };
    const req: PlanRequest = { installed: p.installed, target: p.target, platform: p.platform, options };
    const plan = planUpgrade(p.catalog, req);
    const late = planInputProblems(p.catalog, plan.hops, req);
    if (late.length) return { kind: "refused", problems: late };
    return { kind: "rendered", ...renderAll(p, options) };
  } catch (e) {
    if (isUpchainError(e)) return { kind: "refused", problems: [{ path: e.path.map(String).join("."), message: e.message }] };
    return { kind: "crashed", error: e };
  }
}

/** Why the rendering of `value` is not the canary's rendering with the value literally in its place ("" when it is). */
export function judgeRendering(p: Product, field: Field, value: string): string {
  const rendered = verdict(p, field.set(p.base, value));
  if (rendered.kind !== "rendered") return "";
  const canaryFn = p.platform === "windows" ? psCanaryOf : canaryOf;
  // the canary has the value's shape, with every character that needs quoting replaced; strict
  // rules may refuse one filler, so try a few
  for (const filler of [" ", "~", "^"]) {
    const canary = verdict(p, field.set(p.base, canaryFn(value, filler)));
    if (canary.kind === "rendered") return compare(rendered.commands, canary.commands, canaryFn);
  }
  return `the value was accepted, but no canary of its shape was (${JSON.stringify(canaryFn(value))}): cannot compare`;
}

function compare(got: { shell: Step["shell"]; text: string }[], canary: { shell: Step["shell"]; text: string }[], canaryFn: (v: string) => string): string {
  if (got.length !== canary.length) return `the value changed the number of commands (${got.length} vs ${canary.length})`;
  const shWords: string[] = [];
  const shWant: string[] = [];
  const shCode: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const ps = got[i].shell === "powershell";
    const a: Lexed & { badDoubling?: string } = ps ? lexPowerShell(got[i].text) : lexSh(got[i].text);
    const b = ps ? lexPowerShell(canary[i].text) : lexSh(canary[i].text);
    if (a.unterminated) return `command ${i} ends inside a quoted string: ${clip(got[i].text)}`;
    if (a.badDoubling) return `command ${i} doubles a quote as ${JSON.stringify(a.badDoubling)}, not with itself: ${clip(got[i].text)}`;
    if (a.code !== b.code) return `command ${i} has code outside quotes that the value changed:\n  got    ${clip(a.code)}\n  canary ${clip(b.code)}`;
    for (let j = 0; j < a.decoded.length; j++) {
      if (canaryFn(a.decoded[j]) !== canaryFn(b.decoded[j]))
        return `command ${i}, quoted word ${j} says ${clip(JSON.stringify(a.decoded[j]))}, where the canary's says ${clip(JSON.stringify(b.decoded[j]))}`;
      if (ps && a.runs[j] !== quotePowerShell(a.decoded[j]))
        return `command ${i}, word ${j} is not quotePowerShell's rendering of its text: ${clip(a.runs[j])}`;
    }
    if (!ps) {
      shWords.push(...a.runs);
      shWant.push(...a.decoded);
      shCode.push(a.code);
    }
  }
  const shCommands = got.filter((c) => c.shell === "sh").map((c) => c.text);
  const syntax = shCommands.length ? parsesAs(shCode, shCommands) : "";
  if (syntax) return `sh -n refuses the rendered commands: ${syntax}`;
  // sh itself reads every quoted word back: the bytes must be the text the lexer saw
  const said = shDecode(shWords);
  for (let k = 0; k < shWant.length; k++)
    if (said[k] !== shWant[k]) return `sh reads ${clip(shWords[k])} as ${clip(JSON.stringify(said[k]))}, not ${clip(JSON.stringify(shWant[k]))}`;
  return "";
}

// Commands whose code outside quoted words is the same, each quoted word a closed single-quoted run,
// parse the same way: sh -n runs once per code shape (it is most of the suite's time otherwise).
const parsed = new Map<string, string>();
function parsesAs(code: string[], commands: string[]): string {
  const key = JSON.stringify(code);
  let errors = parsed.get(key);
  if (errors === undefined) parsed.set(key, (errors = shSyntaxErrors(commands)));
  return errors;
}

const clip = (s: string) => (s.length > 300 ? s.slice(0, 300) + "..." : s);
