// Host key pinning. A pin is either an OpenSSH public key line ("ssh-ed25519 AAAA... comment") or a
// fingerprint ("SHA256:..."), the two forms `ssh-keyscan` and `ssh-keygen -lf` print. The key line
// may keep the host field `ssh-keyscan` prints before it ("192.0.2.10 ssh-ed25519 AAAA...", or
// "[192.0.2.10]:2222 ..." for another port), so its output can be pasted as it is.
import { createHash } from "crypto";
import type { ServerHostKeyAlgorithm } from "ssh2";
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

const KEY_TYPE = /^(ssh-|ecdsa-)/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// ssh-keyscan names the host as it was asked: a name or address, "[host]:port" for a port other than 22
const KEYSCAN_HOST = /^(?:\[([^\]\s]+)\]:(\d{1,5})|([A-Za-z0-9._:-]+))$/;

/** The host and port an ssh-keyscan line names before its key. */
export interface KeyscanHost {
  host: string;
  port: number;
}

/**
 * A pin as the operator pasted it: `#` comment lines (ssh-keyscan's banner, when stderr was kept)
 * dropped, and the leading host field of an ssh-keyscan line split off. More than one key line is
 * left as it is, for parseHostKeyPin to refuse: which of them to pin is the operator's choice.
 */
export function splitKeyscanLine(pin: string): { named?: KeyscanHost; pin: string } {
  const lines = pin
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  if (lines.length !== 1) return { pin: pin.trim() };
  const parts = lines[0].split(/\s+/);
  // "HOST TYPE KEY": a plain key line has its base64 key, never a type, as second word
  const m = parts.length >= 3 && KEY_TYPE.test(parts[1]) && BASE64.test(parts[2]) ? KEYSCAN_HOST.exec(parts[0]) : null;
  if (!m) return { pin: lines[0] };
  const named = m[3] !== undefined ? { host: m[3], port: 22 } : { host: m[1], port: Number(m[2]) };
  return { named, pin: parts.slice(1).join(" ") };
}

/** What is wrong with a pin, in words that end a sentence starting with the field's name; undefined when it can be used. */
export function hostKeyPinProblem(pin: string): string | undefined {
  const text = splitKeyscanLine(pin).pin;
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) return undefined;
  if (text.includes("\n")) return "holds more than one key line: give one, the line `ssh-keyscan -t ed25519 HOST` prints";
  const parts = text.split(/\s+/);
  if (parts.length >= 2 && KEY_TYPE.test(parts[0]) && BASE64.test(parts[1])) {
    // the line's first word must agree with the key itself, or the algorithm we ask the host for
    // (see hostKeyAlgorithmsFor) would not be the one its pinned key signs with
    if (blobKeyType(Buffer.from(parts[1], "base64")) === parts[0]) return undefined;
  }
  return (
    `must be the host's public key ("ssh-ed25519 AAAA...", or the whole line ssh-keyscan prints) ` +
    `or its fingerprint ("SHA256:...", as ssh-keygen -lf prints it)`
  );
}

/**
 * Why a pin in ssh-keyscan's form cannot be this server's: its host field names another host or
 * port, so it would pin another machine's key. Undefined when it names this one, or names none.
 */
export function keyscanHostProblem(pin: string, host: string, port = 22): string | undefined {
  const { named } = splitKeyscanLine(pin);
  if (!named || (named.host.toLowerCase() === host.toLowerCase() && named.port === port)) return undefined;
  const shown = (h: KeyscanHost) => (h.port === 22 ? h.host : `[${h.host}]:${h.port}`);
  const scan = `ssh-keyscan -t ed25519 ${port === 22 ? "" : `-p ${port} `}${host}`;
  return (
    `is the line ssh-keyscan printed for ${shown(named)}, but this server is ${shown({ host, port })}: ` +
    `it would pin another machine's key. Paste the line \`${scan}\` prints (checked out of band)`
  );
}

export function parseHostKeyPin(pin: string, path: (string | number)[] = ["hostKey"]): HostKeyPin {
  const problem = hostKeyPinProblem(pin);
  if (problem) throw new UpchainError("INVALID_INPUT", `${path.join(".")} ${problem}`, path);
  const text = splitKeyscanLine(pin).pin;
  if (text.startsWith("SHA256:")) return { fingerprint: text };
  const [keyType, key] = text.split(/\s+/);
  return { fingerprint: fingerprintOf(Buffer.from(key, "base64")), keyType };
}

/** The signature algorithms an RSA key can prove itself with, strongest first. */
const rsaAlgorithms: ServerHostKeyAlgorithm[] = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
const singleAlgorithmTypes = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
] as const satisfies readonly ServerHostKeyAlgorithm[];
const isSingleAlgorithmType = (t: string): t is (typeof singleAlgorithmTypes)[number] => (singleAlgorithmTypes as readonly string[]).includes(t);

/**
 * The host key algorithms to offer for a pin. A host with several keys shows the one the client
 * prefers (ed25519 by default), so a host pinned by its RSA key would be refused for showing its
 * ed25519 key; asking only for the pinned key's type makes it show that one. A fingerprint does not
 * say its type: undefined keeps ssh2's default list.
 */
export function hostKeyAlgorithmsFor(pin: HostKeyPin): ServerHostKeyAlgorithm[] | undefined {
  if (pin.keyType === "ssh-rsa") return [...rsaAlgorithms];
  if (pin.keyType && isSingleAlgorithmType(pin.keyType)) return [pin.keyType];
  return undefined;
}
