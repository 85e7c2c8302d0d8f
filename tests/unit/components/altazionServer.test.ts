import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AltazionServer, hookFields, hookPath, readHooks } from "../../../components/altazionServer";
import { projectDir } from "../../../providers/projectDir";
import { userField } from "../../../providers/server/fields";
import { registerWithMocks } from "../../support/pulumiMocks";

describe("AltazionServer component", () => {
  it("names a module's refused target by the version its argument gives (modules[1].version), not the provider's options.modules[1].target", async () => {
    const r = await registerWithMocks(
      "upchain:Server",
      () =>
        new AltazionServer("az", {
          connection: { host: "192.0.2.30", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY" },
          modules: [
            { name: "ecommerce", version: "5.2.0.0", folder: "C:\\Altazion\\ecommerce" },
            { name: "database", version: "5.3.0.0", folder: "C:\\Altazion\\database" },
          ],
        }),
    );
    const names = r.plainInputs.fields as Record<string, string>;
    assert.strictEqual(userField("options.modules[1].target", names), "modules[1].version");
    assert.strictEqual(userField("options.modules[0].name", names), "modules[0].name");
    assert.strictEqual(userField("target", names), "modules");
  });
});

describe("AltazionServer's hook files, named as the caller wrote them", () => {
  const cases: [string, Record<string, string> | undefined, string, string][] = [
    [
      "a hook file is named by its place in the stack's hooks list",
      { hooks: "upchain:servers[2].hooks" },
      "files.PREINSTALL-ecommerce.ps1",
      "upchain:servers[2].hooks[1]",
    ],
    ["without the stack's names, by its place in the component's hooks argument", undefined, "files.PREINSTALL-ecommerce.ps1", "hooks[1]"],
    ["the set as a whole is the hooks list", { hooks: "upchain:servers[2].hooks" }, "files", "upchain:servers[2].hooks"],
  ];
  for (const [name, names, property, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, hookFields(["hooks/POSTINSTALL_ecommerce.ps1", "site/PREINSTALL-ecommerce.ps1"], names)), expected));
  }
});

describe("AltazionServer reads the installed versions from the site", () => {
  it("passes the site's versionCommand (module=version,... in name order) to the server: 003 names no installed version", async () => {
    const r = await registerWithMocks(
      "upchain:Server",
      () =>
        new AltazionServer("az", {
          connection: { host: "192.0.2.30", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY" },
          versionCommand: "altazion-versions",
          modules: [{ name: "ecommerce", version: "latest", folder: "/srv/altazion/ecommerce" }],
        }),
    );
    assert.strictEqual(r.plainInputs.versionCommand, "altazion-versions");
  });
});

describe("AltazionServer's hook paths", () => {
  it("a relative hook path is read from the project's folder (where Pulumi.yaml is), not from the folder the program runs in", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-project-"));
    try {
      fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
      fs.mkdirSync(path.join(project, "hooks"));
      fs.writeFileSync(path.join(project, "hooks", "PREINSTALL_ecommerce.ps1"), "Write-Output hi\n");
      fs.mkdirSync(path.join(project, "dist", "stacks"), { recursive: true });
      assert.strictEqual(
        hookPath("hooks/PREINSTALL_ecommerce.ps1", projectDir(path.join(project, "dist", "stacks"))),
        path.join(project, "hooks", "PREINSTALL_ecommerce.ps1"),
      );
      assert.deepStrictEqual(readHooks(["hooks/PREINSTALL_ecommerce.ps1"], "hooks", projectDir(path.join(project, "dist", "stacks"))), {
        "PREINSTALL_ecommerce.ps1": "Write-Output hi\n",
      });
      assert.throws(
        () => readHooks(["hooks/POSTINSTALL_ecommerce.ps1"], "hooks", project),
        /hooks\[0\]: the hook file .* cannot be read \(ENOENT\).*relative to .*the project's folder/,
      );
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
