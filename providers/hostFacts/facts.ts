// Reading a host's facts: what the first end-to-end resource reports, and what `read` re-probes so
// that `pulumi refresh` sees a change made behind Pulumi's back.
import { terminalText } from "../engine/running/progress";
import { UpchainError } from "../errors";
import { RemoteHost } from "../transport/remoteHost";

export interface HostFacts {
  hostname: string;
  osId: string;
  osVersion: string;
  osPrettyName: string;
}

// One round trip; each fact on its own line with a key so a missing os-release field stays empty.
const probe = [
  'printf "hostname=%s\\n" "$(hostname)"',
  '. /etc/os-release; printf "osId=%s\\nosVersion=%s\\nosPrettyName=%s\\n" "$ID" "$VERSION_ID" "$PRETTY_NAME"',
].join("; ");

export async function readFacts(host: RemoteHost): Promise<HostFacts> {
  const r = await host.exec(probe);
  if (r.code !== 0) {
    throw new UpchainError("COMMAND_FAILED", `${host.label}: reading host facts failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
  }
  return parseFacts(r.stdout);
}

/** A fact longer than this is cut: a hostname is at most 253 characters, an os-release name a line. */
const MAX_FACT = 256;

export function parseFacts(text: string): HostFacts {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    // the host's words become outputs Pulumi prints: one printable line each, of a bounded length
    if (i > 0)
      kv.set(
        line.slice(0, i),
        terminalText(line.slice(i + 1))
          .trim()
          .slice(0, MAX_FACT),
      );
  }
  return {
    hostname: kv.get("hostname") ?? "",
    osId: kv.get("osId") ?? "",
    osVersion: kv.get("osVersion") ?? "",
    osPrettyName: kv.get("osPrettyName") ?? "",
  };
}
