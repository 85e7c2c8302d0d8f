// Groupmax's upgrade rules, each with the place in the vendor document that states it.
// Source: ../shared/seeds/002_145ba4ecd04d9c3b.txt (Japanese), 付録A.3 マスタ管理サーバのバージョンアップ.
import { Rule } from "../../engine/planning/catalog";
import { ServiceEntry } from "../../edits/services";

const doc = "Groupmax 付録A.3 マスタ管理サーバのバージョンアップ (002_145ba4ecd04d9c3b.txt)";

export const rules: Record<"from5" | "from3" | "from20", Rule> = {
  from5: { id: "groupmax.v5-to-v6", text: "Version 5 upgrades to Version 6 directly; no services ports to add", source: `${doc}, (1)` },
  from3: { id: "groupmax.v3-to-v6", text: "Version 3 upgrades to Version 6 directly, adding imap and adrshd to services", source: `${doc}, (2)` },
  from20: {
    id: "groupmax.v2.0-to-v6",
    text: "Version 2.0 upgrades to Version 6 directly, adding four ports (six from 02-00) and running advup2_6",
    source: `${doc}, (3)`,
  },
};

/** The source versions the document covers, by the major number of VV-RR. */
export const DOCUMENTED_SOURCES: Record<number, Rule> = { 5: rules.from5, 3: rules.from3, 2: rules.from20 };
export const TARGET_MAJOR = 6;
export const DOCUMENTED_SOURCES_TEXT = "Version 5 (05-RR), Version 3 (03-RR) and Version 2.0 (02-RR; 02-00 adds two more ports)";

const tcp = (name: string, port: number): ServiceEntry => ({ name, port, protocol: "tcp" });

/** The services entries the document says to add, by source version (its table in section (2)/(3)). */
export function servicesEntriesFor(from: string): ServiceEntry[] {
  const major = Number(from.slice(0, 2));
  if (major === 3) return [tcp("imap", 143), tcp("adrshd", 20141)];
  if (major !== 2) return [];
  const v20 = [tcp("imap", 143), tcp("adrshd", 20141), tcp("pop3", 110), tcp("popcfg", 106)];
  return from === "02-00" ? [...v20, tcp("adagt_ap", 9080), tcp("adreq_ap", 9081)] : v20;
}

/** advup2_6 converts a Version 2.0 data store; the document runs it for 2.0 sources only. */
export const needsAdvup = (from: string) => from.startsWith("02-");
