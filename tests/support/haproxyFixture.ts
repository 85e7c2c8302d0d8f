// HAProxy in front of pool members on the test hosts (tests/fixtures/haproxy): members are trivial
// python3 HTTP servers that answer with their name; HAProxy balances them in two backends, `traffic`
// and `invalidation`, with an admin socket at level admin and a log of server state changes that
// tests read back as ordered events. Both start from /etc/upchain/services.d, so they survive a
// reboot of their host.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { quote } from "../../providers/quote";
import { onHost } from "./hosts";
import { repoRoot } from "./pulumi";

const fixtureDir = path.join(repoRoot, "tests/fixtures/haproxy");
const installDir = "opt/haproxy-fixture";

export const trafficBackend = "traffic";
export const invalidationBackend = "invalidation";

export interface Member {
  /** The server's name in both backends, and what the member answers with. */
  name: string;
  address: string;
  trafficPort: number;
  invalidationPort: number;
}

export interface BalancerPorts {
  /** The `web` frontend, in front of `traffic`. */
  traffic: number;
  /** The `purge` frontend, in front of `invalidation`. */
  invalidation: number;
}

export const defaultPorts: BalancerPorts = { traffic: 8080, invalidation: 8081 };

function copyFixture(root: string): void {
  const target = path.join(root, installDir);
  fs.mkdirSync(target, { recursive: true });
  for (const f of ["member.py", "hacli.py"]) fs.copyFileSync(path.join(fixtureDir, f), path.join(target, f));
}

function installService(root: string, name: string, script: string): void {
  const target = path.join(root, "etc/upchain/services.d", name);
  fs.copyFileSync(path.join(fixtureDir, script), target);
  fs.chmodSync(target, 0o755);
}

/** Start a pool member on a host: `name` on each port, (re)started now and at every boot. */
export function installMember(host: { name: string; root: string }, name: string, ports: number[]): void {
  copyFixture(host.root);
  fs.writeFileSync(path.join(host.root, "etc/upchain/member.conf"), `${name} ${ports.join(" ")}\n`);
  installService(host.root, "upchain-member", "member.service");
  const urls = ports.map((p) => `http://127.0.0.1:${p}/health`).join(" ");
  onHost(
    host.name,
    `/etc/upchain/services.d/upchain-member stop; /etc/upchain/services.d/upchain-member start
     for u in ${urls}; do
       i=0; until curl -fs "$u" >/dev/null; do i=$((i+1)); [ $i -lt 100 ] || { echo "member did not answer on $u" >&2; cat /var/log/upchain-member.err >&2; exit 1; }; sleep 0.1; done
     done`,
  );
}

/** The HAProxy configuration for these members (also what a test can read to see the set-up). */
export function haproxyConfig(members: Member[], ports: BalancerPorts = defaultPorts, o: HaproxyOptions = {}): string {
  const servers = (port: (m: Member) => number) => members.map((m) => `  server ${m.name} ${m.address}:${port(m)} check inter 500ms rise 1 fall 2`).join("\n");
  const useServer = members.map((m) => `  use-server ${m.name} if { req.hdr(x-upchain-member) -m str ${m.name} }`).join("\n");
  return fs
    .readFileSync(path.join(fixtureDir, "haproxy.cfg.in"), "utf8")
    .replaceAll("@TRAFFIC_PORT@", String(ports.traffic))
    .replaceAll("@INVALIDATION_PORT@", String(ports.invalidation))
    .replace("@USE_SERVER@", useServer)
    .replace(
      "@TRAFFIC_SERVERS@",
      servers((m) => m.trafficPort),
    )
    .replace(
      "@INVALIDATION_SERVERS@",
      servers((m) => m.invalidationPort),
    )
    .replace(/(\nbackend invalidation\n[\s\S]*?)  option httpchk GET \/health\n/, o.invalidationCheck === "tcp" ? "$1" : "$&");
}

export interface HaproxyOptions {
  /** How the invalidation pool checks its servers: GET /health (the default), or a TCP connect (a port that answers POST only). */
  invalidationCheck?: "http" | "tcp";
}

/**
 * Configure and (re)start HAProxy on the balancer host, with an empty log, and wait until it answers
 * on its admin socket with every server up.
 */
export function installHaproxy(lb: { name: string; root: string }, members: Member[], ports: BalancerPorts = defaultPorts, o: HaproxyOptions = {}): void {
  copyFixture(lb.root);
  fs.writeFileSync(path.join(lb.root, "etc/haproxy/upchain.cfg"), haproxyConfig(members, ports, o));
  installService(lb.root, "haproxy-upchain", "haproxy.service");
  onHost(
    lb.name,
    `set -e
     haproxy -c -q -f /etc/haproxy/upchain.cfg
     /etc/upchain/services.d/haproxy-upchain stop; sleep 0.2
     : > /var/log/haproxy-upchain.log; : > /var/log/haproxy-upchain.err
     /etc/upchain/services.d/haproxy-upchain start`,
  );
  waitAllUp(lb.name, members.length * 2);
}

/** Wait until HAProxy answers on its socket and reports `count` servers, every one of them up. */
export function waitAllUp(lbName: string, count: number, timeoutMs = 20_000): void {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      last = haproxyCli(lbName, "show servers state");
      const rows = last
        .split("\n")
        .slice(2)
        .filter((l) => l.trim() && !l.startsWith("#"));
      if (rows.length === count && rows.every((r) => r.split(" ")[5] === "2")) return;
    } catch (e) {
      last = (e as Error).message;
    }
    execFileSync("sleep", ["0.2"]); // not on the host: it may be rebooting
  }
  throw new Error(
    `HAProxy on ${lbName} did not report ${count} servers up within ${timeoutMs} ms; last answer: ${last}\n${onHost(lbName, "cat /var/log/haproxy-upchain.err")}`,
  );
}

/** One runtime API command through the harness side channel (as root on the host, not over SSH). */
export function haproxyCli(lbName: string, command: string, socket = "/run/haproxy/admin.sock"): string {
  return onHost(lbName, `python3 /${installDir}/hacli.py ${quote(command)} ${quote(socket)}`);
}

/** Each server's admin state by "backend/server", from `show servers state` (0 ready, 1 or 32/33 maint, 8 drain). */
export function serverAdminStates(lbName: string): Record<string, number> {
  const rows = haproxyCli(lbName, "show servers state")
    .split("\n")
    .map((l) => l.trim().split(/\s+/));
  return Object.fromEntries(rows.filter((f) => f.length > 7 && /^\d+$/.test(f[0])).map((f) => [`${f[1]}/${f[3]}`, Number(f[6])]));
}

export type StateEvent = "drain" | "maint" | "ready" | "up" | "down" | "health";

export interface HaproxyEvent {
  /** Epoch milliseconds, from HAProxy's ISO timestamp. */
  time: number;
  backend: string;
  server: string;
  event: StateEvent;
  /** HAProxy's line, without its timestamp. */
  text: string;
}

/** What a server state change line in HAProxy 2.6's log means. */
function classify(text: string): StateEvent | undefined {
  if (/ enters drain state/.test(text)) return "drain";
  if (/ is going DOWN for maintenance/.test(text)) return "maint";
  // leaving maintenance, a server is UP or DOWN as its checks say; either way it is ready again
  if (/ \(leaving forced (drain|maintenance)\)/.test(text)) return "ready";
  // a health change of a server held in drain: its admin state stays drain
  if (/ remains in forced (drain|maintenance) mode/.test(text)) return "health";
  if (/ is DOWN/.test(text)) return "down";
  if (/ is UP/.test(text)) return "up";
  return undefined;
}

/** HAProxy's own record of server state changes, in the order it wrote them. */
export function haproxyEvents(lbName: string): HaproxyEvent[] {
  const events: HaproxyEvent[] = [];
  for (const line of onHost(lbName, "cat /var/log/haproxy-upchain.log").split("\n")) {
    const m = /^(\S+) (Server ([^/\s]+)\/(\S+) .*)$/.exec(line);
    if (!m) continue;
    const event = classify(m[2]);
    if (!event) throw new Error(`an HAProxy server line the fixture does not know: ${line}`);
    events.push({ time: Date.parse(m[1]), backend: m[3], server: m[4], event, text: m[2] });
  }
  return events;
}

export interface MemberRequest {
  /** Epoch milliseconds when the member received it. */
  time: number;
  port: number;
  path: string;
}

/** The requests a member received (health checks left out), in order. */
export function memberRequests(hostName: string): MemberRequest[] {
  return onHost(hostName, "cat /var/log/upchain-member.log 2>/dev/null || true")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [t, port, p] = l.split(" ");
      return { time: Math.round(Number(t) * 1000), port: Number(port), path: p };
    });
}
