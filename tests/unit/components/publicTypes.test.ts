// The public types are plain TypeScript: a user's program compiles against upchain's .d.ts without
// zod's typings (which need esModuleInterop), and each plain type is the type its zod schema accepts.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AltazionSchemaOutput } from "../../../providers/catalogs/altazion/options";
import type { AltazionOptions } from "../../../providers/catalogs/altazion/optionTypes";
import type { GroupmaxSchemaOutput } from "../../../providers/catalogs/groupmax/options";
import type { GroupmaxOptions } from "../../../providers/catalogs/groupmax/optionTypes";
import type { OmflowSchemaOutput } from "../../../providers/catalogs/omflow/options";
import type { OmflowOptions } from "../../../providers/catalogs/omflow/optionTypes";
import type { OracleAsSchemaOutput } from "../../../providers/catalogs/oracleAs/options";
import type { OracleAsOptions } from "../../../providers/catalogs/oracleAs/optionTypes";
import type { Connection } from "../../../providers/connection";
import type { ConnectionInput } from "../../../providers/connectionSchema";

/** true exactly when A and B are the same type (TypeScript's identity, not mere assignability). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(proof: Same<A, B>) => proof;
/** An intersection written out as one object type, as zod infers it. */
type Flat<T> = { [K in keyof T]: T[K] };

// compile-time: the build fails when a plain type and its schema part ways
export const checked = [
  same<OmflowOptions, OmflowSchemaOutput>(true),
  same<GroupmaxOptions, GroupmaxSchemaOutput>(true),
  same<OracleAsOptions, OracleAsSchemaOutput>(true),
  same<AltazionOptions, AltazionSchemaOutput>(true),
  // the schema fills port and user in
  same<Flat<Connection & Required<Pick<Connection, "port" | "user">>>, ConnectionInput>(true),
  // @ts-expect-error the check tells a field apart: a plain type missing one is not the schema's
  same<Omit<OmflowOptions, "online">, OmflowSchemaOutput>(true),
];

const root = path.resolve(__dirname, "..", "..", "..", "..");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");

describe("public types", function () {
  this.timeout(120_000);

  it("each option type and the connection are the types their zod schemas accept (checked when the tests compile)", () => {
    assert.deepStrictEqual(checked, [true, true, true, true, true, true]);
  });

  it("a user's program compiles against the built package's .d.ts with esModuleInterop off, and reads no zod typings", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-consumer-"));
    fs.mkdirSync(path.join(project, "node_modules"));
    fs.symlinkSync(root, path.join(project, "node_modules", "upchain"), "dir");
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, module: "commonjs", target: "es2022", esModuleInterop: false, noEmit: true, types: [] },
        files: ["index.ts"],
      }),
    );
    fs.writeFileSync(
      path.join(project, "index.ts"),
      [
        `import { AltazionServer, ConnectionArgs, GroupmaxServer, OmflowServer, OracleAsServer, RolloutWaves, Server, WebCacheCluster } from "upchain";`,
        `const connection: ConnectionArgs = { host: "192.0.2.10", hostKey: "SHA256:abc", privateKey: "KEY" };`,
        `new OmflowServer("wf", { connection, version: "1.2.0.1", options: { offlineBundle: "/srv/b", online: false } });`,
        `new GroupmaxServer("gm", { connection, version: "06-00", options: { rebootTimeoutSeconds: 900 } });`,
        `new OracleAsServer("oas", { connection, version: "10.1.2", options: { components: ["reports"] } });`,
        `new AltazionServer("alt", { connection, modules: [{ name: "ecommerce", version: "latest", folder: "C:\\\\alt" }], options: { remedy: true } });`,
        `export const declared = [WebCacheCluster, RolloutWaves, Server];`,
      ].join("\n"),
    );
    const run = spawnSync(process.execPath, [tsc, "-p", project, "--listFiles"], { encoding: "utf8" });
    const errors = run.stdout.split("\n").filter((l) => /error TS/.test(l));
    assert.deepStrictEqual(errors.slice(0, 5), [], `tsc failed (${errors.length} errors)`);
    assert.strictEqual(run.status, 0, run.stderr);
    const zodFiles = run.stdout.split("\n").filter((l) => /node_modules[\\/]zod[\\/]/.test(l));
    assert.deepStrictEqual(zodFiles.slice(0, 3), [], "zod's typings were read");
    fs.rmSync(project, { recursive: true, force: true });
  });
});
