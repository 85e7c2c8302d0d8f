import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AltazionServer } from "../../../components/altazionServer";
import { GroupmaxServer } from "../../../components/groupmaxServer";
import { OmflowServer } from "../../../components/omflowServer";
import { OracleAsServer } from "../../../components/oracleAsServer";
import { Registration, registrations } from "../../support/registrations";

const connection = { host: "192.0.2.10", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY-123456", privateKeyPassphrase: "open sesame" };
const controls = { lockTimeoutSeconds: 60, stepTimeouts: { verify: 30 }, onFailure: "record" as const, wave: 1, fieldNames: { version: "servers[0].version" } };

/** What each product's component registered before its four files became one ProductServer (captured then, kept as data). */
const hooks = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-hooks-"));
fs.writeFileSync(path.join(hooks, "POSTINSTALL_ecommerce.ps1"), "Write-Output 'after'\n");
/** A resource of the site's own (a notice, a snapshot) the server must come after. */
class Notice extends pulumi.CustomResource {
  constructor() {
    super("test:site:Notice", "notice", {});
  }
}
const notice = () => new Notice();

export const cases: [string, number, () => unknown][] = [
  [
    "OmflowServer",
    2,
    () =>
      new OmflowServer("wf", {
        connection,
        version: "1.2.0.1",
        platform: "linux",
        releases: ["1.2.0.1"],
        options: { offlineBundle: "/srv/b" },
        current: "1.1.6.1",
        secretEnv: pulumi.secret({ UPCHAIN_SECRET_DB: "pw-123456" }),
        ...controls,
      }),
  ],
  [
    "GroupmaxServer",
    2,
    () =>
      new GroupmaxServer("gm", {
        connection,
        version: "06-00",
        platform: "windows",
        options: { rebootTimeoutSeconds: 900 },
        versionCommand: "print-version",
        ...controls,
      }),
  ],
  [
    "OracleAsServer",
    2,
    () => new OracleAsServer("oas", { connection, version: "10.1.2", options: { oc4jMaxHeap: "1024m" }, versionCommand: "print-release", ...controls }),
  ],
  ["GroupmaxServer after the site's notice", 3, () => new GroupmaxServer("gm", { connection, version: "06-00" }, { dependsOn: [notice()] })],
  [
    "AltazionServer with hooks, after the site's notice",
    4,
    () =>
      new AltazionServer(
        "alt",
        {
          connection,
          modules: [{ name: "ecommerce", version: "latest", folder: "C:\\alt\\ecommerce", pools: ["shop"] }],
          hooks: [path.join(hooks, "POSTINSTALL_ecommerce.ps1")],
          options: { notify: "notify-users" },
        },
        { dependsOn: [notice()] },
      ),
  ],
  [
    "AltazionServer",
    2,
    () =>
      new AltazionServer("alt", {
        connection,
        platform: "windows",
        modules: [{ name: "ecommerce", version: "5.2.0.0", folder: "C:\\alt\\ecommerce" }],
        versionCommand: "print-modules",
        ...controls,
      }),
  ],
];

describe("product server components", () => {
  for (const [component, count, declare] of cases) {
    it(`${component} registers what it did before: its type token, the Server under it, the Server's inputs and secrets`, async () => {
      const seen = await registrations(count, declare);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(seen)), EXPECTED[component]);
    });
  }
});

// captured from the four components before they became one (the dynamic provider's code left out)
const EXPECTED: Record<string, Registration[]> = {
  OmflowServer: [
    {
      type: "upchain:omflow:OmflowServer",
      name: "wf",
      parent: "",
      dependsOn: [],
      inputs: {},
      secrets: [],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:Server",
      name: "wf",
      parent: "wf",
      dependsOn: [],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        current: "1.1.6.1",
        fields: {
          target: "version",
          version: "servers[0].version",
        },
        lockTimeoutSeconds: 60,
        onFailure: "record",
        options: {
          offlineBundle: "/srv/b",
        },
        platform: "linux",
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "omflow",
        releases: ["1.2.0.1"],
        resourceName: "wf",
        secretEnv: {
          UPCHAIN_SECRET_DB: "pw-123456",
        },
        stepTimeouts: {
          verify: 30,
        },
        target: "1.2.0.1",
        wave: 1,
      },
      secrets: ["privateKey", "privateKeyPassphrase", "secretEnv"],
    },
  ],
  GroupmaxServer: [
    {
      type: "upchain:groupmax:GroupmaxServer",
      name: "gm",
      parent: "",
      dependsOn: [],
      inputs: {},
      secrets: [],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:Server",
      name: "gm",
      parent: "gm",
      dependsOn: [],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        fields: {
          target: "version",
          version: "servers[0].version",
        },
        lockTimeoutSeconds: 60,
        onFailure: "record",
        options: {
          rebootTimeoutSeconds: 900,
        },
        platform: "windows",
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "groupmax",
        resourceName: "gm",
        stepTimeouts: {
          verify: 30,
        },
        target: "06-00",
        versionCommand: "print-version",
        wave: 1,
      },
      secrets: ["privateKey", "privateKeyPassphrase"],
    },
  ],
  OracleAsServer: [
    {
      type: "upchain:oracle-as:OracleAsServer",
      name: "oas",
      parent: "",
      dependsOn: [],
      inputs: {},
      secrets: [],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:Server",
      name: "oas",
      parent: "oas",
      dependsOn: [],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        fields: {
          target: "version",
          version: "servers[0].version",
        },
        lockTimeoutSeconds: 60,
        onFailure: "record",
        options: {
          oc4jMaxHeap: "1024m",
        },
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "oracle-as",
        resourceName: "oas",
        stepTimeouts: {
          verify: 30,
        },
        target: "10.1.2",
        versionCommand: "print-release",
        wave: 1,
      },
      secrets: ["privateKey", "privateKeyPassphrase"],
    },
  ],
  "GroupmaxServer after the site's notice": [
    {
      type: "test:site:Notice",
      name: "notice",
      parent: "",
      dependsOn: [],
      inputs: {},
      secrets: [],
    },
    {
      type: "upchain:groupmax:GroupmaxServer",
      name: "gm",
      parent: "",
      dependsOn: ["notice"],
      inputs: {},
      secrets: [],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:Server",
      name: "gm",
      parent: "gm",
      dependsOn: ["notice"],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        fields: {
          target: "version",
        },
        options: {},
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "groupmax",
        resourceName: "gm",
        target: "06-00",
      },
      secrets: ["privateKey", "privateKeyPassphrase"],
    },
  ],
  "AltazionServer with hooks, after the site's notice": [
    {
      type: "test:site:Notice",
      name: "notice",
      parent: "",
      dependsOn: [],
      inputs: {},
      secrets: [],
    },
    {
      type: "upchain:altazion-office:AltazionServer",
      name: "alt",
      parent: "",
      dependsOn: ["notice"],
      inputs: {},
      secrets: [],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:ManagedFiles",
      name: "alt-hooks",
      parent: "alt",
      dependsOn: ["notice"],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        fields: {
          files: "hooks",
          "files.POSTINSTALL_ecommerce.ps1": "hooks[0]",
        },
        fileSet: "hooks",
        files: {
          "POSTINSTALL_ecommerce.ps1": "Write-Output 'after'\n",
        },
        options: {
          modules: [
            {
              folder: "C:\\alt\\ecommerce",
              name: "ecommerce",
              pools: ["shop"],
              target: "latest",
            },
          ],
          notify: "notify-users",
        },
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "altazion-office",
      },
      secrets: ["privateKey", "privateKeyPassphrase"],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:Server",
      name: "alt",
      parent: "alt",
      dependsOn: ["alt-hooks"],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        fields: {
          "options.modules": "modules",
          "options.modules[0].target": "modules[0].version",
          target: "modules",
        },
        options: {
          modules: [
            {
              folder: "C:\\alt\\ecommerce",
              name: "ecommerce",
              pools: ["shop"],
              target: "latest",
            },
          ],
          notify: "notify-users",
        },
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "altazion-office",
        resourceName: "alt",
        target: "ecommerce=latest",
      },
      secrets: ["privateKey", "privateKeyPassphrase"],
    },
  ],
  AltazionServer: [
    {
      type: "upchain:altazion-office:AltazionServer",
      name: "alt",
      parent: "",
      dependsOn: [],
      inputs: {},
      secrets: [],
    },
    {
      type: "pulumi-nodejs:dynamic/upchain:Server",
      name: "alt",
      parent: "alt",
      dependsOn: [],
      inputs: {
        connection: {
          host: "192.0.2.10",
          hostKey: "ssh-ed25519 AAAA",
        },
        fields: {
          "options.modules": "modules",
          "options.modules[0].target": "modules[0].version",
          target: "modules",
          version: "servers[0].version",
        },
        lockTimeoutSeconds: 60,
        onFailure: "record",
        options: {
          modules: [
            {
              folder: "C:\\alt\\ecommerce",
              name: "ecommerce",
              target: "5.2.0.0",
            },
          ],
        },
        platform: "windows",
        privateKey: "KEY-123456",
        privateKeyPassphrase: "open sesame",
        product: "altazion-office",
        resourceName: "alt",
        stepTimeouts: {
          verify: 30,
        },
        target: "ecommerce=5.2.0.0",
        versionCommand: "print-modules",
        wave: 1,
      },
      secrets: ["privateKey", "privateKeyPassphrase"],
    },
  ],
};
