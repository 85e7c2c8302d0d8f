// The private key is read here, on the controller, before any connection: a key that cannot be used
// (encrypted without its passphrase, a wrong passphrase, not a key at all) is reported against the
// field at fault instead of as a failed login, and never with the key's or the passphrase's text.
import { maskSecrets } from "../errors";

export interface PrivateKeyProblem {
  /** The connection field to fix. */
  field: "privateKey" | "privateKeyPassphrase";
  message: string;
}

export function privateKeyProblem(privateKey: string, passphrase?: string): PrivateKeyProblem | undefined {
  // ssh2 is loaded here, not at module load, so Pulumi's closure serialization never sees it.
  const { utils } = require("ssh2") as typeof import("ssh2");
  let parsed: unknown;
  try {
    parsed = utils.parseKey(privateKey, passphrase);
  } catch (e) {
    parsed = e instanceof Error ? e : new Error(String(e));
  }
  if (!(parsed instanceof Error)) {
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key && typeof key.isPrivateKey === "function" && key.isPrivateKey()) return undefined;
    return { field: "privateKey", message: "is a public key: give the private key (the file without .pub)" };
  }
  const why = maskSecrets(parsed.message, [privateKey, passphrase]);
  if (/no passphrase/i.test(why)) {
    return { field: "privateKeyPassphrase", message: "is needed: privateKey is encrypted, so give its passphrase" };
  }
  if (passphrase !== undefined && /decrypt|passphrase|integrity|check ?int/i.test(why)) {
    return { field: "privateKeyPassphrase", message: `does not decrypt privateKey: check the passphrase (${why})` };
  }
  return {
    field: "privateKey",
    message: `is not a private key upchain can read (give an OpenSSH, PEM or PuTTY private key; ${why})`,
  };
}
