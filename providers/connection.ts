// The connection every upchain resource and component takes, defined once and free of zod (a user's
// program compiles against it without zod's typings). Shaped like @pulumi/command's
// remote.ConnectionArgs (host, port, user, privateKey, password) plus the pinned host key, which
// upchain requires: it never trusts a host key on first use. connectionSchema.ts checks it.
import * as pulumi from "@pulumi/pulumi";

/** The connection's fields as plain values, once Pulumi has resolved them. */
export interface Connection {
  host: string;
  /** 22 when absent. */
  port?: number;
  /** root when absent. */
  user?: string;
  /** A secret: pass pulumi.secret(...) or a `--secret` config value. */
  privateKey?: string;
  /** Opens an encrypted privateKey; a secret like the key. */
  privateKeyPassphrase?: string;
  password?: string;
  /** The pinned host key (`ssh-keyscan` line or SHA256 fingerprint). Required. */
  hostKey: string;
}

/** The connection as a program gives it: each field a Pulumi input (a value, an Output, a secret). */
export type ConnectionArgs = { [K in keyof Connection]: pulumi.Input<NonNullable<Connection[K]>> | (undefined extends Connection[K] ? undefined : never) };

/** The inputs that carry credentials: each is a secret input and a secret output. */
export const credentialFields = ["privateKey", "privateKeyPassphrase", "password"] as const;

/** The connection's credentials as secret inputs; an absent one stays absent (no empty secret in the state). */
export function credentialInputs(c: ConnectionArgs): Record<(typeof credentialFields)[number], pulumi.Input<string> | undefined> {
  const secret = (v: pulumi.Input<string> | undefined) => (v === undefined ? undefined : pulumi.secret(v));
  return { privateKey: secret(c.privateKey), privateKeyPassphrase: secret(c.privateKeyPassphrase), password: secret(c.password) };
}
