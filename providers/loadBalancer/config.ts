// How upchain reaches a balancer's runtime API: an SSH connection to the balancer's machine (the same
// fields as a server's) and, on that machine, the admin socket or a TCP address. The stream is opened
// by the SSH login itself, not through sudo: the login must be root or in the group that owns the
// socket, and the socket must be bound `level admin`.
import { z } from "zod";
import { connectionSchema } from "../connectionSchema";
import { RemoteHost, StreamTarget } from "../transport/remoteHost";
import { HaproxyPools } from "./haproxyPools";
import { PoolLedger } from "./ledger";
import { RuntimeApi } from "./runtimeApi";

export const defaultAdminSocket = "/run/haproxy/admin.sock";

/** host:port, the host a name or IPv4 address, or an IPv6 address in brackets. */
const addressPattern = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = addressPattern.exec(address);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}

export const runtimeApiSchema = z
  .object({
    connection: connectionSchema,
    socket: z
      .string()
      .refine((s) => s.startsWith("/") && !/[\0-\x1f\x7f]/.test(s) && !s.split("/").includes(".."), "must be an absolute path without control characters or ..")
      .optional(),
    address: z
      .string()
      .refine((a) => parseAddress(a) !== undefined, 'must be "host:port" (e.g. "127.0.0.1:9999", "[::1]:9999") as the balancer\'s machine reaches it')
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.socket !== undefined && c.address !== undefined) ctx.addIssue({ code: "custom", path: ["address"], message: "give socket or address, not both" });
  });

export type RuntimeApiConfig = z.infer<typeof runtimeApiSchema>;

/** Where the runtime API is on the balancer's machine: the address when given, else the socket (default /run/haproxy/admin.sock). */
export function streamTargetOf(c: Pick<RuntimeApiConfig, "socket" | "address">): StreamTarget {
  if (c.address !== undefined) return parseAddress(c.address)!;
  return { socketPath: c.socket ?? defaultAdminSocket };
}

/** HAProxy's pools over a connection already made to the balancer's machine. */
export function haproxyPools(
  host: RemoteHost,
  c: Pick<RuntimeApiConfig, "socket" | "address">,
  options: { timeoutMs?: number; pollMs?: number } = {},
): HaproxyPools {
  const target = streamTargetOf(c);
  return new HaproxyPools(new RuntimeApi(host, target, options.timeoutMs), options.pollMs, new PoolLedger(host, target));
}
