// AltazionServer: the component users instantiate for an Altazion Office server: the modules it hosts,
// each at a version (or "latest": what its update service has detected), and the site's phase hooks
// as files. The hooks are placed first (ManagedFiles), then the modules are updated in the order
// given (one Server whose version is the modules' versions: "ecommerce=5.2.0.0,integration=5.2.0.0").
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AltazionOptions } from "../providers/catalogs/altazion/optionTypes";
import { UpchainError } from "../providers/errors";
import { ManagedFiles } from "../providers/files/resource";
import { moduleVersions } from "../providers/server/fields";
import { projectDir } from "../providers/projectDir";
import { ProductServer, ProductServerArgs } from "./productServer";

export interface AltazionModuleArgs {
  /** gestioncommerciale, ecommerce, phygitalapi, integration or database. */
  name: string;
  /** The version it must run, or "latest". */
  version: string;
  /** Where it is installed (as applicationspath.config says). */
  folder: string;
  /** A web module's IIS application pool(s); its name when absent. */
  pools?: string[];
}

/**
 * 003 names no installed version (status.xml holds « la dernière version détectée par le module »):
 * versionCommand (printing module=version,module=version, modules in name order) or current says it.
 */
export interface AltazionServerArgs extends ProductServerArgs<Omit<AltazionOptions, "modules">> {
  /** A plain value: the hooks' ManagedFiles is declared with it. */
  platform?: "linux" | "windows";
  /** The modules this server hosts, in the order they are updated. */
  modules: AltazionModuleArgs[];
  /**
   * The site's phase hooks: local files named PHASE_module.ps1 (relative paths from the Pulumi project's
   * folder, where Pulumi.yaml is), placed in the update service's scripts
   * folder before any module is updated. Given (even empty), the folder holds exactly these: a .ps1
   * file there that is not listed is removed (a copy kept). Absent, the folder is left alone.
   */
  hooks?: string[];
  /** The service's folder and name, the portal's requests, the remedy, the notice, the customised database. */
  options?: Partial<Omit<AltazionOptions, "modules">>;
}

/** A hook's path as the stack wrote it, resolved against the project's folder (the program runs elsewhere, e.g. dist/stacks). */
export const hookPath = (file: string, project = projectDir()) => path.resolve(project, file);

/** The hook files' names as the caller wrote them: a file is named by its place in the hooks list (`hooks[1]`). */
export function hookFields(files: readonly string[], names: Record<string, string> | undefined): Record<string, string> {
  const list = names?.hooks ?? "hooks";
  return { ...names, files: list, ...Object.fromEntries(files.map((f, i) => [`files.${path.basename(f)}`, `${list}[${i}]`])) };
}

/** The hook files' contents by name; every missing or unreadable file at once, naming its field. */
export function readHooks(files: readonly string[], field = "hooks", project = projectDir()): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  files.forEach((f, i) => {
    const name = path.basename(f);
    try {
      if (name in out) problems.push(`${field}[${i}]: ${f} has the same name as another hook (${name})`);
      out[name] = fs.readFileSync(hookPath(f, project), "utf8");
    } catch (e) {
      problems.push(
        `${field}[${i}]: the hook file ${f} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the path of a file in the stack's repository, absolute or relative to ${project}, the project's folder`,
      );
    }
  });
  if (problems.length) throw new UpchainError("INVALID_INPUT", problems.join("\n"), [field]);
  return out;
}

export class AltazionServer extends ProductServer<Omit<AltazionOptions, "modules">> {
  readonly hooks?: ManagedFiles;

  constructor(name: string, args: AltazionServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const options = {
      ...args.options,
      modules: args.modules.map((m) => ({ name: m.name, target: m.version, folder: m.folder, ...(m.pools ? { pools: m.pools } : {}) })),
    };
    const target = args.modules.map((m) => `${m.name}=${m.version}`).join(",");
    let hooks: ManagedFiles | undefined;
    // the hooks are placed first: the Server comes after them (and they after the component's dependsOn)
    const placeHooks = (parent: pulumi.ComponentResource) =>
      args.hooks === undefined
        ? undefined
        : (hooks = new ManagedFiles(
            `${name}-hooks`,
            {
              product: "altazion-office",
              fileSet: "hooks",
              platform: args.platform,
              options,
              files: readHooks(args.hooks),
              connection: args.connection,
              fields: hookFields(args.hooks, args.fieldNames),
            },
            { parent, dependsOn: opts?.dependsOn },
          ));
    const fields = { target: "modules", "options.modules": "modules", ...moduleVersions(args.modules.length, (i) => `modules[${i}].version`) };
    super("upchain:altazion-office:AltazionServer", name, args, { product: "altazion-office", target, options, fields, before: placeHooks }, opts);
    this.hooks = hooks;
  }
}
