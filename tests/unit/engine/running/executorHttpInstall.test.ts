// The executor around an http step whose install runs in the vendor's service (contract 3): a lost
// answer with the host out of reach stops the run with nothing restored, and a hop that fails while
// the portal shows an install running is restored only once the page shows it ended.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { Catalog, Hop, Step, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { readJournal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { dottedNumbers } from "../../../../providers/engine/planning/version";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { StreamTarget } from "../../../../providers/transport/remoteHost";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";

/**
 * A portal whose page lists the module until an install ends; pressing starts a background install of
 * `installMs`. The page also shows an install running while `busyFile` exists (an install started
 * outside this run). `dropAnswer`: the connection closes once the press has arrived.
 */
function portal(o: { installMs: number; busyFile: string; dropAnswer?: boolean }) {
  let state: "listed" | "installing" | "done" = "listed";
  let presses = 0;
  let timer: NodeJS.Timeout | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "POST") {
        presses++;
        state = "installing";
        timer = setTimeout(() => (state = "done"), o.installMs);
        if (o.dropAnswer) return req.socket.destroy();
        return res.writeHead(302, { location: "/" }).end();
      }
      const busy = state === "installing" || fs.existsSync(o.busyFile);
      res.writeHead(200).end(`${state !== "done" ? '<tr data-module="m">' : ""}${busy ? "<p class=installing>" : ""}`);
    });
  });
  return {
    presses: () => presses,
    start: () => new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port))),
    close: () => (clearTimeout(timer), server.close()),
  };
}

class PortalHost extends LocalHost {
  cut = false;
  constructor(private readonly port: number) {
    super();
  }
  async openStream(_t: StreamTarget) {
    if (this.cut) throw new Error("Not connected");
    return net.connect(this.port, "127.0.0.1");
  }
}

/** backup, the install through the portal, then a check that fails when `verifyFails`; the restore marks whether an install ran under it. */
function catalog(trail: string, busyFile: string, verify: string[]): Catalog {
  const mark = (id: string) => `echo ${q(id)} >> ${q(trail)}`;
  const install = {
    id: "install",
    action: "http",
    shell: "sh",
    title: "Install m",
    commands: [],
    destructive: true,
    port: 8080,
    request: { method: "POST", path: "/install" },
    form: { fields: { module: "m" } },
    expectStatus: [302],
    done: { path: "/", absent: 'data-module="m"' },
    busy: { present: "class=installing" },
    attempts: [{ waitSeconds: 0, note: "press Installer" }],
    giveUp: "see the portal",
  } as unknown as Step;
  return {
    product: "portal",
    title: "Portal",
    scheme: dottedNumbers(1, "2"),
    platforms: ["linux"],
    defaultReleases: ["1", "2"],
    legalHops: (from) => (from === "1" ? [{ from, to: "2", rule: { id: "r", text: "r", source: "s" } } as Hop] : []),
    requiredStops: () => [],
    hopSteps: () => [
      shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "backup", destructive: false, commands: [mark("backup")] }),
      install,
      shStep({ provenance: TEST_STEP, id: "verify", action: "verify", title: "verify", destructive: false, commands: verify }),
    ],
    restoreSteps: () => [
      shStep({
        provenance: TEST_STEP,
        id: "restore",
        action: "restore",
        title: "restore",
        destructive: true,
        commands: [`if [ -e ${q(busyFile)} ]; then echo restore-under-a-running-install; else echo restore; fi >> ${q(trail)}`],
      }),
    ],
  };
}

describe("executor: an http step's install that runs in the vendor's service", function () {
  this.timeout(20_000);
  let dir: string;
  let trail: string;
  let busyFile: string;
  beforeEach(() => {
    dir = tempDir();
    trail = path.join(dir, "trail");
    busyFile = path.join(dir, "busy");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const lines = () => (fs.existsSync(trail) ? fs.readFileSync(trail, "utf8").trim().split("\n") : []);

  async function run(c: Catalog, host: LocalHost, extra: Record<string, unknown> = {}) {
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    const log: string[] = [];
    const error = await executePlan({
      host,
      catalog: c,
      plan,
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "portal",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      log: (l) => log.push(l),
      ...extra,
    }).then(
      () => undefined,
      (e) => e,
    );
    return { error, log };
  }

  it("the press's answer lost and the host out of reach: INSTALL_MAY_STILL_RUN, nothing restored, the journal still at the install step", async () => {
    const p = portal({ installMs: 5_000, busyFile, dropAnswer: true });
    const host = new PortalHost(await p.start());
    const cutAfterPress = (l: string) => (/lost/.test(l) ? (host.cut = true) : undefined);
    try {
      const { error } = await run(catalog(trail, busyFile, ["true"]), host, { contactTimeoutMs: 300, status: cutAfterPress, progressEveryMs: 1 });
      assert.ok(isUpchainError(error, "INSTALL_MAY_STILL_RUN"), String(error));
      assert.match((error as Error).message, /may still run.*Nothing was restored/s);
      assert.deepStrictEqual(lines(), ["backup"], "nothing restored");
      const j = await readJournal(host, path.join(dir, "state"), "portal");
      assert.strictEqual(j?.status, "running");
      assert.strictEqual(j?.next, 1, "the next run starts at the install step, reading the portal first");
      assert.strictEqual(p.presses(), 1);
    } finally {
      p.close();
    }
  });

  it("the check after the install fails while the portal shows an install running: the restore waits until the page shows it ended", async () => {
    const p = portal({ installMs: 50, busyFile });
    const host = new PortalHost(await p.start());
    try {
      // the failing check leaves an install running for 600 ms (as one started outside this run would)
      const { error } = await run(catalog(trail, busyFile, [`touch ${q(busyFile)}`, `(sleep 0.6; rm -f ${q(busyFile)}) >/dev/null 2>&1 &`, "exit 1"]), host);
      assert.ok(isUpchainError(error, "STEP_FAILED"), String(error));
      assert.deepStrictEqual(lines(), ["backup", "restore"], "restored only once the install had ended");
    } finally {
      p.close();
    }
  });

  it("the check after the install fails and the portal cannot be read: INSTALL_MAY_STILL_RUN naming the failed check, nothing restored", async () => {
    const p = portal({ installMs: 50, busyFile });
    const host = new PortalHost(await p.start());
    try {
      const { error } = await run(catalog(trail, busyFile, ["echo check-failed >&2", "exit 1"]), host, {
        contactTimeoutMs: 300,
        // the portal goes away as the check runs
        status: (l: string) => (/verify/.test(l) ? (host.cut = true) : undefined),
      });
      assert.ok(isUpchainError(error, "INSTALL_MAY_STILL_RUN"), String(error));
      assert.match((error as Error).message, /step "verify" \(verify\).*Before restoring the hop: .*could not be read.*Nothing was restored/s);
      assert.deepStrictEqual(lines(), ["backup"]);
    } finally {
      p.close();
    }
  });

  it("the error that names the failed check keeps the portal's error as its cause, masked as its own message is", async () => {
    const p = portal({ installMs: 50, busyFile });
    const host = new PortalHost(await p.start());
    try {
      // a secret that shows in the portal's error: masked in the message, and so in the cause
      const { error } = await run(catalog(trail, busyFile, ["exit 1"]), host, {
        contactTimeoutMs: 300,
        secrets: ["the portal's page"],
        status: (l: string) => (/verify/.test(l) ? (host.cut = true) : undefined),
      });
      assert.ok(isUpchainError(error, "INSTALL_MAY_STILL_RUN"), String(error));
      const cause = (error as Error).cause as Error & { code?: string };
      assert.strictEqual(cause?.code, "INSTALL_MAY_STILL_RUN", "the cause is the step's own INSTALL_MAY_STILL_RUN");
      assert.match(cause.message, /\[secret\] .* could not be read/);
      assert.ok(!cause.message.includes("the portal's page") && !(cause.stack ?? "").includes("the portal's page"), cause.stack);
      assert.ok(!(error as Error).message.includes("the portal's page"));
    } finally {
      p.close();
    }
  });
});
