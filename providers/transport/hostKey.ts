// Host key pinning. A pin is either an OpenSSH public key line ("ssh-ed25519 AAAA... comment") or a
// fingerprint ("SHA256:..."), the two forms `ssh-keyscan` and `ssh-keygen -lf` print.
import { createHash } from "crypto";
import { UpchainError } from "../errors";

export interface HostKeyPin {
  fingerprint: string; // SHA256:base64-without-padding
}

export function fingerprintOf(keyBlob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}

export function parseHostKeyPin(pin: string, path: (string | number)[] = ["hostKey"]): HostKeyPin {
  const text = pin.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) return { fingerprint: text };
  const parts = text.split(/\s+/);
  if (parts.length >= 2 && /^(ssh-|ecdsa-)/.test(parts[0]) && /^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) {
    return { fingerprint: fingerprintOf(Buffer.from(parts[1], "base64")) };
  }
  throw new UpchainError(
    "INVALID_INPUT",
    `${path.join(".")} must be the host's public key ("ssh-ed25519 AAAA...", as ssh-keyscan prints it) ` +
      `or its fingerprint ("SHA256:...", as ssh-keygen -lf prints it)`,
    path,
  );
}
