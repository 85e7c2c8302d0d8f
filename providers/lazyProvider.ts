// A dynamic provider whose methods load their implementation at call time. Pulumi serializes the
// provider's closures into the state and runs them in another process (the dynamic provider host,
// started in the Pulumi program's directory); this way they capture only a path *inside the upchain
// package*, never ssh2, zod, module state or the absolute path of a checkout, so a state keeps
// working when the program's directory moves or upchain is reinstalled elsewhere.
import type * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { nearestFolderWith } from "./projectDir";

/** What each provider's implementation module (server/impl.ts, ...) exports: Pulumi's entries, `delete` named `remove`. */
export interface ProviderModule {
  check: NonNullable<pulumi.dynamic.ResourceProvider["check"]>;
  diff: NonNullable<pulumi.dynamic.ResourceProvider["diff"]>;
  create: pulumi.dynamic.ResourceProvider["create"];
  update: NonNullable<pulumi.dynamic.ResourceProvider["update"]>;
  read: NonNullable<pulumi.dynamic.ResourceProvider["read"]>;
  remove: NonNullable<pulumi.dynamic.ResourceProvider["delete"]>;
}

/**
 * Loads `inPackage` (a path relative to the upchain package's root, e.g.
 * "dist/providers/server/impl.js") the way the program itself found upchain: from the program's
 * node_modules (a user's program that installed upchain), else from the upchain checkout the program
 * runs in (this repository's own stacks). Runs in the provider process, so it must stay
 * self-contained: it is serialized by its source text.
 */
export function loadFromPackage(inPackage: string): ProviderModule {
  const nodePath = require("path");
  const nodeFs = require("fs");
  const cwd = process.cwd();
  let file: string | undefined;
  try {
    file = require.resolve(`upchain/${inPackage}`, { paths: [cwd] });
  } catch {
    for (let dir = cwd; ; dir = nodePath.dirname(dir)) {
      const manifest = nodePath.join(dir, "package.json");
      if (nodeFs.existsSync(manifest) && JSON.parse(nodeFs.readFileSync(manifest, "utf8")).name === "upchain") {
        file = nodePath.join(dir, inPackage);
        break;
      }
      if (nodePath.dirname(dir) === dir) break;
    }
  }
  if (!file || !nodeFs.existsSync(file)) {
    throw new Error(
      `upchain's provider code (${inPackage}) is not found from the Pulumi program's directory ${cwd}: install upchain there (npm install upchain) and build it, then run pulumi again`,
    );
  }
  return require(file) as ProviderModule;
}

/** The package root of this file's upchain: the nearest package.json above it. */
export function packageRoot(from: string = __dirname): string {
  const root = nearestFolderWith(from, ["package.json"]);
  if (root === undefined) throw new Error(`no package.json above ${from}`);
  return root;
}

/** A provider whose methods call the functions of `implFile` (an absolute path, at program time). */
export function lazyProvider(implFile: string): pulumi.dynamic.ResourceProvider {
  // Only this relative path reaches the state.
  const inPackage = path
    .relative(packageRoot(path.dirname(implFile)), implFile)
    .split(path.sep)
    .join("/");
  const load = loadFromPackage;
  return {
    check: (olds, news) => load(inPackage).check(olds, news),
    diff: (id, olds, news) => load(inPackage).diff(id, olds, news),
    create: (inputs) => load(inPackage).create(inputs),
    update: (id, olds, news) => load(inPackage).update(id, olds, news),
    read: (id, props) => load(inPackage).read(id, props),
    delete: (id, props) => load(inPackage).remove(id, props),
  };
}
