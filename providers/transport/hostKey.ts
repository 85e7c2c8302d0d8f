// Host key pinning. A pin is either an OpenSSH public key line ("ssh-ed25519 AAAA... comment") or a
// fingerprint ("SHA256:..."), the two forms `ssh-keyscan` and `ssh-keygen -lf` print.
import { createHash } from "crypto";
import { UpchainError } from "../errors";

export interface HostKeyPin {
  fingerprint: string; // SHA256:base64-without-padding
  /** The key's type ("ssh-rsa", "ssh-ed25519", ...) when the pin is a public key line. */
  keyType?: string;
}

export function fingerprintOf(keyBlob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}

/** The type name an SSH public key blob starts with (a uint32 length, then the name). */
function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n < 1 || n > 64 || blob.length < 4 + n) return undefined;
  return blob.subarray(4, 4 + n).toString("latin1");
}

export function parseHostKeyPin(pin: string, path: (string | number)[] = ["hostKey"]): HostKeyPin {
  const text = pin.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) return { fingerprint: text };
  const parts = text.split(/\s+/);
  if (parts.length >= 2 && /^(ssh-|ecdsa-)/.test(parts[0]) && /^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) {
    const blob = Buffer.from(parts[1], "base64");
    // the line's first word must agree with the key itself, or the algorithm we ask the host for
    // (see hostKeyAlgorithmsFor) would not be the one its pinned key signs with
    if (blobKeyType(blob) === parts[0]) return { fingerprint: fingerprintOf(blob), keyType: parts[0] };
  }
  throw new UpchainError(
    "INVALID_INPUT",
    `${path.join(".")} must be the host's public key ("ssh-ed25519 AAAA...", as ssh-keyscan prints it) ` +
      `or its fingerprint ("SHA256:...", as ssh-keygen -lf prints it)`,
    path,
  );
}

/** The signature algorithms an RSA key can prove itself with, strongest first. */
const rsaAlgorithms = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
const singleAlgorithmTypes = new Set(["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]);

/**
 * The host key algorithms to offer for a pin. A host with several keys shows the one the client
 * prefers (ed25519 by default), so a host pinned by its RSA key would be refused for showing its
 * ed25519 key; asking only for the pinned key's type makes it show that one. A fingerprint does not
 * say its type: undefined keeps ssh2's default list.
 */
export function hostKeyAlgorithmsFor(pin: HostKeyPin): string[] | undefined {
  if (pin.keyType === "ssh-rsa") return [...rsaAlgorithms];
  if (pin.keyType && singleAlgorithmTypes.has(pin.keyType)) return [pin.keyType];
  return undefined;
}
