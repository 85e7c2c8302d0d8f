// A fake HAProxy runtime API behind RemoteHost.openStream, for unit tests: it keeps server states as
// HAProxy does (numeric op and admin states), answers the commands upchain sends in HAProxy 2.6's
// words and format, closes each connection after its answer, and records every line it received.
// Faults are switches: ignore sets, answer garbage, refuse the socket.
import { Duplex } from "stream";
import { ExecResult, RemoteHost, StreamTarget } from "../../../providers/transport/remoteHost";

export interface FakeServer {
  backend: string;
  server: string;
  addr: string;
  op: number;
  admin: number;
  /** Current sessions (scur) and queued requests (qcur). */
  scur: number;
  qcur: number;
}

const header =
  "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port";
const statHeader = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,";

export class FakeHaproxy implements RemoteHost {
  readonly label = "root@fake-lb:22";
  /** Every line received on the socket, in order. */
  readonly received: string[] = [];
  /** Streams opened. */
  opened = 0;
  /** Set commands succeed but change nothing (a balancer that does not do what it says). */
  ignoreSets = false;
  /** Replace the answer to commands starting with a prefix. */
  answers = new Map<string, string>();
  /** The socket cannot be opened; `probe` is what the shell check on the host prints. */
  refuse?: { probe: string };
  /** The level of the socket: an operator socket refuses changes. */
  level: "admin" | "operator" = "admin";
  /** Called after each answered command (to move sessions along in drain tests). */
  afterCommand?: (line: string) => void;

  constructor(readonly servers: FakeServer[]) {}

  static pool(spec: Record<string, string[]>): FakeHaproxy {
    const servers: FakeServer[] = [];
    for (const [backend, names] of Object.entries(spec)) {
      names.forEach((server, i) => servers.push({ backend, server, addr: `10.0.0.${i + 1}`, op: 2, admin: 0, scur: 0, qcur: 0 }));
    }
    return new FakeHaproxy(servers);
  }

  get(backend: string, server: string): FakeServer {
    return this.servers.find((s) => s.backend === backend && s.server === server)!;
  }

  async exec(): Promise<ExecResult> {
    // the only command the driver runs is its look at a refused socket
    return { code: 0, signal: null, stdout: this.refuse?.probe ?? "open\nroot\n", stderr: "" };
  }
  async readFile(): Promise<Buffer> {
    throw new Error("not used");
  }
  async writeFile(): Promise<void> {
    throw new Error("not used");
  }
  async close(): Promise<void> {}

  async openStream(target: StreamTarget): Promise<Duplex> {
    if (this.refuse) throw new Error(`sshd did not open ${"socketPath" in target ? target.socketPath : target.host}: (SSH) Channel open failure: open failed`);
    this.opened++;
    let buffer = "";
    let answered = false;
    const stream: Duplex = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, done) => {
        buffer += chunk.toString();
        const nl = buffer.indexOf("\n");
        if (nl !== -1 && !answered) {
          answered = true;
          const line = buffer.slice(0, nl);
          this.received.push(line);
          // like HAProxy: the whole line is split on ; and each command answered in turn
          const out = line
            .split(";")
            .map((c) => this.answer(c.trim()))
            .join("");
          this.afterCommand?.(line);
          setImmediate(() => {
            stream.push(out);
            stream.push(null);
          });
        }
        done();
      },
    });
    return stream;
  }

  private answer(command: string): string {
    for (const [prefix, text] of this.answers) if (command.startsWith(prefix)) return text;
    let m: RegExpExecArray | null;
    if ((m = /^show servers state(?: (\S+))?$/.exec(command))) {
      if (m[1] && !this.servers.some((s) => s.backend === m![1])) return "Can't find backend.\n\n";
      const rows = this.servers
        .filter((s) => !m![1] || s.backend === m![1])
        .map((s, i) => `3 ${s.backend} ${i + 1} ${s.server} ${s.addr} ${s.op} ${s.admin} 1 1 6 15 3 4 6 0 0 0 - 8000 - 0 0 - - 0\n`);
      return `1\n${header}\n${rows.join("")}\n`;
    }
    if ((m = /^set server ([^/ ]+)\/(\S+) state (ready|drain|maint)$/.exec(command))) {
      if (this.level !== "admin") return "Permission denied\n\n";
      if (!this.servers.some((s) => s.backend === m![1])) return "No such backend.\n\n";
      const s = this.get(m[1], m[2]);
      if (!s) return "No such server.\n\n";
      if (this.ignoreSets) return "\n";
      // the bits `set server ... state` changes: forced maintenance and forced drain
      s.admin = (s.admin & ~0x09) | (m[3] === "maint" ? 0x01 : m[3] === "drain" ? 0x08 : 0);
      s.op = s.admin & 0x01 ? 0 : 2;
      return "\n";
    }
    if (command === "show stat -1 4 -1") {
      return `${statHeader}\n${this.servers.map((s) => `${s.backend},${s.server},${s.qcur},0,${s.scur},1,,9,UP,\n`).join("")}\n`;
    }
    return "Unknown command, but maybe one of the following ones is a better match:\n  help : full commands list\n\n";
  }
}
