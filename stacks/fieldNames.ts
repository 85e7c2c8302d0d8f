// How the stack file names what a Server's check may refuse: its properties are the provider's own
// (`target`, `connection.privateKey`), the operator wrote `upchain:servers[2].version` and
// `upchain:privateKeyFile`. Handed to each Server as its fieldNames (providers/server/fields.ts).
import { moduleVersions } from "../providers/server/fields";
import { configField } from "./issues";

export interface ServerFieldFacts {
  /** The server's place in the stack file's upchain:servers. */
  position: number;
  product: string;
  /** The server's own user key is set (else upchain:user applies). */
  ownUser: boolean;
  /** Its host key was pinned from upchain:knownHostsFile rather than its own hostKey. */
  hostKeyFromFile: boolean;
  /** The SSH key came from `pulumi config set --secret upchain:privateKey` rather than upchain:privateKeyFile. */
  privateKeyFromSecret: boolean;
  /** How many modules an Altazion Office server lists (each module's version is its target in the options). */
  modules?: number;
}

export function serverFieldNames(f: ServerFieldFacts): Record<string, string> {
  const at = (...rest: string[]) => configField(["servers", f.position, ...rest]);
  const own = ["product", "platform", "releases", "options", "lockTimeoutSeconds", "stepTimeouts", "clearRun"];
  return {
    ...Object.fromEntries(own.map((k) => [k, at(k)])),
    // an Altazion Office server's target is made of its modules, and so are its options' modules
    target: f.product === "altazion-office" ? at("modules") : at("version"),
    ...(f.product === "altazion-office" ? { "options.modules": at("modules"), ...moduleVersions(f.modules ?? 0, (i) => configField(["servers", f.position, "modules", i, "version"])) } : {}),
    connection: at("host"),
    "connection.host": at("host"),
    "connection.port": at("port"),
    "connection.user": f.ownUser ? at("user") : "upchain:user",
    "connection.hostKey": f.hostKeyFromFile ? "upchain:knownHostsFile" : at("hostKey"),
    "connection.privateKey": f.privateKeyFromSecret ? "upchain:privateKey" : "upchain:privateKeyFile",
    "connection.privateKeyPassphrase": "upchain:privateKeyPassphrase",
    "connection.password": "upchain:password",
    secretEnv: "upchain:secrets",
    promotion: "upchain:promotion",
  };
}

