// Every example in the docs is checked against the code, so the docs cannot drift from it: each stack
// file by the program's own configuration checker and each product's option checks, each TypeScript
// program compiled against the package, each project file read back. A fence says what a block is:
// yaml, ts and json blocks are examples and are checked here; sh (commands) and text (transcripts,
// output) are not. A block without a language fails, so nothing is left unchecked by accident.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { getCatalog } from "../../../providers/catalogs";
import { connectionSchema } from "../../../providers/connectionSchema";
import { isUpchainError } from "../../../providers/errors";
import { stackKeys } from "../../../stacks/config";
import { ConfigSource, readStackConfig } from "../../../stacks/readConfig";

// js-yaml is what @pulumi/pulumi itself reads YAML with (a dependency of the SDK, so always installed)
const yaml = require("js-yaml") as { load(text: string): unknown };

const repoRoot = path.resolve(__dirname, "../../../..");
const CHECKED = ["yaml", "ts", "json"];
const NOT_EXAMPLES = ["sh", "text"];
/** A real ed25519 key: the known_hosts file a doc example names is written with it for every host. */
const sampleKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";

export interface Block {
  file: string;
  line: number;
  lang: string;
  text: string;
}

/** The fenced code blocks of a markdown text, with the line each starts on. */
export function fencedBlocks(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { line: number; lang: string; lines: string[] } | undefined;
  markdown.split("\n").forEach((l, i) => {
    if (!l.startsWith("```")) return void open?.lines.push(l);
    if (open) {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.lines.join("\n") });
      open = undefined;
    } else open = { line: i + 1, lang: l.slice(3).trim(), lines: [] };
  });
  assert.ok(!open, `${file}: a code fence opened at line ${open?.line} is never closed`);
  return blocks;
}

function docFiles(): string[] {
  const under = (dir: string, name: RegExp): string[] =>
    fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return under(rel, name);
      return name.test(e.name) ? [rel] : [];
    });
  return ["README.md", ...under("docs", /\.md$/), ...under("providers", /^README\.md$/)];
}

const where = (b: Block) => `${b.file}:${b.line}`;

// ---- stack files ---------------------------------------------------------------------------------

/** A stack file's `config:` as Pulumi hands it to the program: text values, mappings and lists as JSON text. */
function configSource(config: Record<string, unknown>): ConfigSource {
  const values: Record<string, string> = {};
  const secret = new Set<string>();
  for (const [key, value] of Object.entries(config)) {
    if (holdsSecure(value)) secret.add(key);
    const plain = withoutSecure(value);
    values[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  return { values, isSecret: (k) => secret.has(k) };
}

const isSecure = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
const holdsSecure = (v: unknown): boolean => isSecure(v) || (typeof v === "object" && v !== null && Object.values(v).some(holdsSecure));
function withoutSecure(v: unknown): unknown {
  if (isSecure(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(withoutSecure);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutSecure(x)]));
  return v;
}

/** Every `host:` value in a stack, for the stand-in known_hosts file. */
function hostsIn(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(hostsIn);
  if (typeof v !== "object" || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => (k === "host" && typeof x === "string" ? [x] : hostsIn(x)));
}

/**
 * Every problem the program and the products' option checks find in a stack file, as the operator
 * reads them. Files the stack names on this machine (the known_hosts file, the private key, hook
 * scripts) are stood in for in a temporary folder: the example is checked, not this machine.
 */
export function stackProblems(config: Record<string, unknown>, serversFiles: Record<string, string> = {}): string[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-docs-"));
  const here = process.cwd();
  try {
    const given = { ...config };
    if (typeof given["upchain:knownHostsFile"] === "string") {
      const file = path.join(scratch, "known_hosts");
      fs.writeFileSync(
        file,
        hostsIn(given)
          .map((h) => `${h} ${sampleKey}\n`)
          .join(""),
      );
      given["upchain:knownHostsFile"] = file;
    }
    if (typeof given["upchain:privateKeyFile"] === "string") {
      given["upchain:privateKeyFile"] = path.join(scratch, "id_ed25519");
      fs.writeFileSync(given["upchain:privateKeyFile"] as string, "a stand-in key\n");
    }
    // a servers file the stack names is the page's example of it (servers-file blocks, below)
    const serversFile = given["upchain:serversFile"];
    if (typeof serversFile === "string" && serversFiles[serversFile] !== undefined) {
      fs.mkdirSync(path.dirname(path.join(scratch, serversFile)), { recursive: true });
      fs.writeFileSync(path.join(scratch, serversFile), serversFiles[serversFile]);
    }
    for (const s of (given["upchain:servers"] as { hooks?: string[] }[] | undefined) ?? []) {
      for (const hook of s.hooks ?? []) {
        fs.mkdirSync(path.dirname(path.join(scratch, hook)), { recursive: true });
        fs.writeFileSync(path.join(scratch, hook), "# a stand-in hook\n");
      }
    }
    // hook paths are relative to the project's folder, which the program runs in
    process.chdir(scratch);
    const read = readStackConfig(configSource(given), "the example");
    return [...connectionProblems(read.config), ...optionProblems(read.config)];
  } catch (e) {
    if (!isUpchainError(e, "INVALID_INPUT")) throw e;
    return e.message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
  } finally {
    process.chdir(here);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

type Checked = ReturnType<typeof readStackConfig>["config"];

/** What the resources' own connection check (run by preview on each server) says of each pinned host. */
function connectionProblems(config: Checked): string[] {
  const check = (h: { host: string; port?: number; user?: string; hostKey: string }, at: string) => {
    const r = connectionSchema.safeParse({ host: h.host, port: h.port, user: h.user ?? config.user, hostKey: h.hostKey, password: "a stand-in" });
    return r.success ? [] : r.error.issues.map((i) => `${at}.${i.path.join(".")}: ${i.message}`);
  };
  return [
    ...config.hosts.flatMap((h, i) => check(h, `upchain:hosts[${i}]`)),
    ...config.servers.flatMap((s, i) => check(s, `upchain:servers[${i}]`)),
    ...config.clusters.flatMap((c, i) =>
      [check(c.balancer, `upchain:clusters[${i}].balancer`), ...c.members.map((m, k) => check(m, `upchain:clusters[${i}].members[${k}]`))].flat(),
    ),
  ];
}

/** What each product's own option checks (run by preview before any connection) say. */
function optionProblems(config: Checked): string[] {
  const check = (product: string, platform: "linux" | "windows", options: Record<string, unknown> | undefined, at: string) =>
    (getCatalog(product).optionProblems?.({ platform, releases: [], options: options ?? {} }) ?? []).map((p) => `${at}.${p.path}: ${p.message}`);
  // an Altazion Office server's modules reach its options as AltazionServer passes them
  const withModules = (s: Checked["servers"][number]) =>
    s.modules
      ? { ...s.options, modules: s.modules.map((m) => ({ name: m.name, target: m.version, folder: m.folder, ...(m.pools ? { pools: m.pools } : {}) })) }
      : s.options;
  return [
    ...config.servers.flatMap((s, i) => check(s.product, s.platform, withModules(s), `upchain:servers[${i}]`)),
    ...config.clusters.flatMap((c, i) =>
      c.members.flatMap((m, k) => check(c.product, c.platform, { ...c.options, ...m.options }, `upchain:clusters[${i}].members[${k}]`)),
    ),
  ];
}

// ---- TypeScript programs ---------------------------------------------------------------------------

const defaultCompilerOptions = { strict: true, target: "ES2020", module: "commonjs", moduleResolution: "node", esModuleInterop: true, noEmit: true };

/**
 * The compiler's errors for each program, keyed by its name, type-checked against the package as a
 * user's program sees it: `upchain` is components/index.ts, the package's entry point. Each program
 * sits at the repository's root, so an import relative to it names the package's own modules.
 */
export function compileProblems(programs: Record<string, string>, tsconfig: Record<string, unknown> = defaultCompilerOptions): Record<string, string[]> {
  const { options, errors } = ts.convertCompilerOptionsFromJson(tsconfig, repoRoot);
  assert.deepStrictEqual(
    errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    [],
    "the tsconfig.json of the docs is read by TypeScript",
  );
  Object.assign(options, { noEmit: true, baseUrl: repoRoot, paths: { upchain: ["components/index.ts"] } });
  const files = Object.fromEntries(Object.entries(programs).map(([name, text]) => [path.join(repoRoot, `doc-example-${name}.ts`), text]));
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => f in files || ts.sys.fileExists(f);
  host.readFile = (f) => files[f] ?? readFile(f);
  host.getSourceFile = (f, lang, onError) => (f in files ? ts.createSourceFile(f, files[f], lang) : getSourceFile(f, lang, onError));
  const program = ts.createProgram(Object.keys(files), options, host);
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(programs).map((n) => [n, []]));
  for (const [file, name] of Object.keys(files).map((f, i) => [f, Object.keys(programs)[i]] as const)) {
    const source = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0) : { line: 0 };
      out[name].push(`line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    }
  }
  return out;
}

// ---- the docs ----------------------------------------------------------------------------------------

const blocks = docFiles().flatMap((f) => fencedBlocks(f, fs.readFileSync(path.join(repoRoot, f), "utf8")));
const yamlOf = (b: Block) => yaml.load(b.text) as Record<string, unknown>;
const isStack = (b: Block) => b.lang === "yaml" && "config" in (yamlOf(b) ?? {});
/** A servers file's example (upchain:serversFile): a yaml block whose first line names the file, `# fleet/servers.yaml: ...`. */
const SERVERS_FILE_NAME = /^# ([\w./-]+\.(?:ya?ml|json))\b/;
const serversFileOf = (b: Block) => (b.lang === "yaml" && Array.isArray(yamlOf(b)) ? SERVERS_FILE_NAME.exec(b.text)?.[1] : undefined);
/** The servers files a page gives, by the name its stack examples use. */
const serversFilesOn = (file: string) => Object.fromEntries(blocks.filter((b) => b.file === file && serversFileOf(b)).map((b) => [serversFileOf(b)!, b.text]));

describe("the docs' examples, checked against the code", function () {
  this.timeout(120_000);

  it("every code block in README.md, docs/ and the products' guides says what it is (yaml, ts or json examples; sh or text otherwise)", () => {
    const unmarked = blocks.filter((b) => ![...CHECKED, ...NOT_EXAMPLES].includes(b.lang)).map((b) => `${where(b)} \`\`\`${b.lang}`);
    assert.deepStrictEqual(unmarked, [], "give each fence a language: yaml, ts or json for an example checked here, sh or text for commands and transcripts");
    assert.ok(blocks.filter(isStack).length >= 8, `the docs' stack examples were found (${blocks.filter(isStack).length})`);
  });

  it("every yaml block is a stack file (config:), a servers file (a list, its first line naming it) or a Pulumi project file (name:, runtime: nodejs)", () => {
    const neither = blocks
      .filter((b) => b.lang === "yaml" && !isStack(b) && !serversFileOf(b))
      .filter((b) => {
        const p = yamlOf(b);
        const runtime = typeof p.runtime === "object" && p.runtime !== null ? (p.runtime as { name?: unknown }).name : p.runtime;
        return !(typeof p.name === "string" && /^[A-Za-z0-9_.-]+$/.test(p.name) && runtime === "nodejs");
      });
    assert.deepStrictEqual(neither.map(where), []);
  });

  for (const b of blocks.filter(isStack)) {
    it(`the stack example at ${where(b)} is accepted by the program's configuration checker and its products' options`, () => {
      assert.deepStrictEqual(stackProblems(yamlOf(b).config as Record<string, unknown>, serversFilesOn(b.file)), []);
    });
  }

  it("every servers file example is the one a stack example on its page names (so it is checked with that stack)", () => {
    const named = new Set(blocks.filter(isStack).map((b) => `${b.file} ${(yamlOf(b).config as Record<string, unknown>)["upchain:serversFile"]}`));
    const unnamed = blocks.filter((b) => serversFileOf(b) && !named.has(`${b.file} ${serversFileOf(b)}`)).map(where);
    assert.ok(blocks.some(serversFileOf), "docs/fleets.md gives a servers file");
    assert.deepStrictEqual(unnamed, []);
  });

  it("the demo stack, which the README names as the whole example of a stack file, is accepted too", () => {
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
    assert.match(readme, /\[`stacks\/Pulumi\.demo\.yaml`\]\(stacks\/Pulumi\.demo\.yaml\)[^.]*whole example/);
    const demo = yaml.load(fs.readFileSync(path.join(repoRoot, "stacks/Pulumi.demo.yaml"), "utf8")) as { config: Record<string, unknown> };
    assert.deepStrictEqual(stackProblems(demo.config), []);
  });

  it("every TypeScript example compiles against the package, with the tsconfig.json its page gives", () => {
    const byFile = new Map<string, Block[]>();
    for (const b of blocks.filter((x) => x.lang === "ts")) byFile.set(b.file, [...(byFile.get(b.file) ?? []), b]);
    assert.ok(byFile.has("docs/own-program.md"), "docs/own-program.md holds a program");
    const failures: string[] = [];
    for (const [file, programs] of byFile) {
      const tsconfig = blocks
        .filter((b) => b.file === file && b.lang === "json")
        .map((b) => JSON.parse(b.text))
        .find((j) => j.compilerOptions);
      const named = Object.fromEntries(programs.map((b) => [`${path.basename(path.dirname(b.file))}-${b.line}`, b.text]));
      const problems = compileProblems(named, tsconfig?.compilerOptions);
      programs.forEach((b) => problems[`${path.basename(path.dirname(b.file))}-${b.line}`].forEach((p) => failures.push(`${where(b)}, ${p}`)));
    }
    assert.deepStrictEqual(failures, []);
  });

  it("the own program's package.json and tsconfig.json are the ones its program is compiled with", () => {
    const json = blocks.filter((b) => b.file === "docs/own-program.md" && b.lang === "json").map((b) => JSON.parse(b.text));
    const pkg = json.find((j) => j.dependencies);
    const tsconfig = json.find((j) => j.compilerOptions);
    const ours = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    assert.ok(pkg && tsconfig, "both files are given");
    assert.strictEqual(pkg.dependencies["@pulumi/pulumi"], ours.devDependencies["@pulumi/pulumi"], "one SDK: the version upchain is built against");
    assert.ok(pkg.dependencies.upchain.endsWith(`upchain-${ours.version}.tgz`), "the tarball npm pack makes of this version");
    assert.deepStrictEqual(tsconfig.files, [pkg.main], "the program file the package names is the one compiled");
    // the public types are zod-free (tests/unit/components/publicTypes.test.ts compiles the built .d.ts so)
    assert.strictEqual(tsconfig.compilerOptions.esModuleInterop, undefined, "the page's program needs no esModuleInterop");
  });

  it("every relative link in the docs names a file that exists", () => {
    const broken = docFiles().flatMap((f) => {
      const text = fs.readFileSync(path.join(repoRoot, f), "utf8").replace(/```[^]*?```/g, "");
      return [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1])
        .filter((target) => !/^[a-z]+:/.test(target) && !fs.existsSync(path.join(repoRoot, path.dirname(f), target)))
        .map((target) => `${f}: ${target}`);
    });
    assert.deepStrictEqual(broken, []);
  });

  it("docs/stacks.md names every upchain key the program reads", () => {
    const page = fs.readFileSync(path.join(repoRoot, "docs/stacks.md"), "utf8");
    assert.deepStrictEqual(
      Object.keys(stackKeys).filter((k) => !page.includes(`\`upchain:${k}\``)),
      [],
    );
  });

  it("every file of the repository the docs name in code (tests/..., providers/..., ...) exists", () => {
    // a stack file the reader writes (stacks/Pulumi.prod.yaml) is not the repository's
    const theReaders = /^stacks\/Pulumi\.(?!demo\.)[^/]+\.yaml$/;
    const missing = docFiles().flatMap((f) => {
      const text = fs.readFileSync(path.join(repoRoot, f), "utf8").replace(/```[^]*?```/g, "");
      return [...text.matchAll(/`((?:tests|providers|components|stacks|scripts|bench|docs)\/[\w./-]+)`/g)]
        .map((m) => m[1])
        .filter((p) => !theReaders.test(p) && !fs.existsSync(path.join(repoRoot, p)))
        .map((p) => `${f}: ${p}`);
    });
    assert.deepStrictEqual(missing, []);
  });
});

describe("the docs' example checks can fail", function () {
  this.timeout(120_000);

  it("a stack example with a misspelled product and an option the product does not have is refused, naming both", () => {
    const problems = stackProblems({ "upchain:servers": [{ name: "a", host: "192.0.2.1", hostKey: sampleKey, product: "omflw", version: "1.2.0.1" }] });
    assert.ok(
      problems.some((p) => p.startsWith("upchain:servers[0].product:")),
      problems.join("\n"),
    );
    const options = stackProblems({
      "upchain:servers": [{ name: "b", host: "192.0.2.2", hostKey: sampleKey, product: "omflow", version: "1.2.0.1", options: { offlinBundle: "/srv/b" } }],
    });
    assert.ok(
      options.some((p) => p.includes("offlinBundle")),
      options.join("\n"),
    );
  });

  it("a servers file example with a misspelt product is refused, naming the file's entry", () => {
    const problems = stackProblems(
      { "upchain:serversFile": "fleet/servers.yaml" },
      { "fleet/servers.yaml": `- { name: a, host: 192.0.2.1, hostKey: ${sampleKey}, product: omflw, version: "1.2.0.1" }\n` },
    );
    assert.ok(
      problems.some((p) => p.startsWith("fleet/servers.yaml: [0].product:")),
      problems.join("\n"),
    );
    assert.ok(
      stackProblems({ "upchain:serversFile": "fleet/servers.yaml" }).some((p) => p.startsWith("upchain:serversFile: cannot read fleet/servers.yaml")),
      "a stack naming a file its page does not give is refused",
    );
  });

  it("a program that gives a component a wrong argument does not compile", () => {
    const problems = compileProblems({ wrong: `import { GroupmaxServer } from "upchain";\nnew GroupmaxServer("x", { version: 6 });\n` });
    assert.ok(
      problems.wrong.some((p) => p.startsWith("line 2:")),
      problems.wrong.join("\n"),
    );
  });

  it("a block without a language is found, with its line", () => {
    const found = fencedBlocks("x.md", "text\n\n```\nplain\n```\n\n```yaml\na: 1\n```\n");
    assert.deepStrictEqual(
      found.map((b) => [b.line, b.lang, b.text]),
      [
        [3, "", "plain"],
        [7, "yaml", "a: 1"],
      ],
    );
  });
});
