// A real PostgreSQL server for one test: Debian's binaries, a fresh cluster in a temporary directory,
// a free localhost port, one database owned by one role with a password. Stopped and deleted at the end.
import { execFileSync, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export interface PostgresServer {
  /** `postgres://role:password@127.0.0.1:port/db?sslmode=disable`: what `pulumi login` takes. */
  url: string;
  /** The same URL with the password replaced, for messages. */
  redactedUrl: string;
  /** The URL without a password: the client takes it from PGPASSWORD. */
  passwordlessUrl: string;
  password: string;
  port: number;
  database: string;
  /** Run SQL as the cluster's superuser over the server's own socket; returns psql's unaligned output. */
  sql(query: string): string;
  /** Stop the server and delete its data. Safe to call twice. */
  stop(): void;
}

const ROLE = "upchain";
const DATABASE = "upchain_state";

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(root = "/usr/lib/postgresql"): string {
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin/postgres"))) : [];
  if (majors.length === 0) {
    throw new Error(
      `PostgreSQL's server is missing (no ${root}/<version>/bin/postgres): install it with 'apt-get install -y postgresql' (or run .ci/run, which installs everything)`,
    );
  }
  majors.sort((a, b) => Number(b) - Number(a));
  return path.join(root, majors[0], "bin");
}

/** A localhost TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  // postgres refuses to run as root: as root, the cluster belongs to Debian's `postgres` user.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot
    ? { uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })) }
    : undefined;
  const as = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-pg-"));
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, "data");
  const log = path.join(dir, "server.log");
  const password = randomBytes(18).toString("hex"); // hex: nothing to escape in a URL or in SQL
  const run = (cmd: string, args: string[], input?: string): string => {
    const [file, argv] = as(cmd, args);
    const r = spawnSync(file, argv, { cwd: dir, input, encoding: "utf8" });
    if (r.status !== 0) {
      const serverLog = fs.existsSync(log) ? `\n--- server log ---\n${fs.readFileSync(log, "utf8").slice(-4000)}` : "";
      // the password goes on stdin, never in the arguments; psql may quote it back in an error
      const why = `${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}${serverLog}`;
      throw new Error(why.split(password).join("****"));
    }
    return r.stdout;
  };

  let port = 0;
  let running = false;
  const stop = () => {
    if (running) {
      spawnSync(...as("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]), { stdio: "ignore" });
      running = false;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    process.removeListener("exit", stop);
  };
  // a test runner that dies must not leave a server behind
  process.on("exit", stop);

  try {
    // TCP needs the password (scram); the local socket, in our own folder, lets the superuser set up.
    run("initdb", ["-D", data, "-U", "postgres", "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C"]);
    // another test may take the port between freePort() and the server's bind: then try another
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "start"]);
        running = true;
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
    const psql = (db: string, query: string) =>
      run("psql", ["-h", dir, "-p", String(port), "-U", "postgres", "-d", db, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"], query);
    // on stdin, so the password is in no process's arguments
    psql("postgres", `CREATE ROLE ${ROLE} LOGIN PASSWORD '${password}';\nCREATE DATABASE ${DATABASE} OWNER ${ROLE};\n`);
    const url = (login: string) => `postgres://${login}@127.0.0.1:${port}/${DATABASE}?sslmode=disable`;
    return {
      url: url(`${ROLE}:${password}`),
      redactedUrl: url(`${ROLE}:****`),
      passwordlessUrl: url(ROLE),
      password,
      port,
      database: DATABASE,
      sql: (query) => psql(DATABASE, query),
      stop,
    };
  } catch (e) {
    stop();
    throw e;
  }
}
