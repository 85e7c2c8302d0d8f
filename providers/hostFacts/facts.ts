// Reading a host's facts: what the first end-to-end resource reports, and what `read` re-probes so
// that `pulumi refresh` sees a change made behind Pulumi's back.
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
    throw new UpchainError("COMMAND_FAILED", `${host.label}: reading host facts failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return parseFacts(r.stdout);
}

export function parseFacts(text: string): HostFacts {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return {
    hostname: kv.get("hostname") ?? "",
    osId: kv.get("osId") ?? "",
    osVersion: kv.get("osVersion") ?? "",
    osPrettyName: kv.get("osPrettyName") ?? "",
  };
}
