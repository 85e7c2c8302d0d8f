// Oracle Application Server middle tier: the releases the upgrade chapter names and its rules, each
// with the place in the vendor document that states it.
// Source: ../shared/seeds/004_e7ff3c8021ac49a3.txt (Japanese, Windows edition of the Upgrade and
// Compatibility Guide 10g Release 2 (10.1.2), B15833-03), chapter 4 中間層のアップグレード.
import { Rule } from "../../engine/planning/catalog";
import { VersionScheme } from "../../engine/planning/version";

const doc = "Oracle AS アップグレードおよび互換性ガイド 10g リリース2(10.1.2) 第4章 中間層 (004_e7ff3c8021ac49a3.txt)";

export const TARGET = "10.1.2";
export const PATCH_SET = "9.0.2.3";
export const PATCH_SET_NUMBER = "3038037";

export const rules = {
  patchSetFirst: {
    id: "oracle-as.9.0.2-patch-set-first",
    text: `a Release 2 (9.0.2) middle tier takes the latest 9.0.2 patch set (${PATCH_SET}, patch ${PATCH_SET_NUMBER}) before 10.1.2 is installed; the Infrastructure it uses must have it too`,
    source: `${doc}, 最新パッチ・セットの適用 (Oracle9i AS 9.0.2.3パッチ・セット(3038037))`,
  },
  sideBySide: {
    id: "oracle-as.side-by-side-to-10.1.2",
    text: "9.0.2.3, 9.0.3 and 9.0.4 middle tiers upgrade to 10.1.2 in one hop: a new 10.1.2 Oracle home beside the source, then the Upgrade Assistant (iasua -sourcehome)",
    source: `${doc}, 10g リリース2(10.1.2)中間層のインストール / OracleAS Upgrade Assistantのコマンドライン・バージョンの使用`,
  },
  emWebSite: {
    id: "oracle-as.stop-em-web-site",
    text: "the Upgrade Assistant does not stop the Enterprise Manager Web Site of a 9.0.2 or 9.0.3 source: stop it by hand in the active EM home (registry key HKLM\\SOFTWARE\\ORACLE\\em_loc)",
    source: `${doc}, Enterprise Manager Web Siteの停止`,
  },
  infrastructureUp: {
    id: "oracle-as.infrastructure-up",
    text: "a middle tier that uses an Infrastructure is upgraded with that Infrastructure started and reachable; otherwise the examine phase fails",
    source: `${doc}, Infrastructureの起動 / 調査フェーズでのアップグレードの失敗`,
  },
  opmnStopped: {
    id: "oracle-as.opmn-stopped",
    text: "OPMN must be stopped in the source and destination homes before the Upgrade Assistant starts",
    source: `${doc}, OPMN、OC4JまたはOracle HTTP Serverのアップグレードの失敗`,
  },
  samePorts: {
    id: "oracle-as.same-ports",
    text: "the upgraded instance uses the source's ports, so source and destination never run at the same time",
    source: `${doc}, アップグレード後のポート値とportlist.iniファイル`,
  },
  webCacheCluster: {
    id: "oracle-as.web-cache-member-by-member",
    text: "a Web Cache cluster is upgraded one member at a time; while it is mixed, invalidations go only to members not yet upgraded (the last member stays in the invalidation pool); then every member returns to the pool",
    source: `${doc}, OracleAS Web Cacheクラスタのアップグレード`,
  },
} satisfies Record<string, Rule>;

/** The document's source releases, as shown in messages. */
export const DOCUMENTED_SOURCES_TEXT = "Release 2 (9.0.2.x), Release 2 (9.0.3.x) and 10g (9.0.4.x)";

const parts = (v: string) => v.split(".").map(Number);

/** Numeric comparison, missing numbers read as 0 (9.0.2 = 9.0.2.0). */
export function compareOracle(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/**
 * Oracle's dotted numbers, canonicalised to what the document's rules tell apart: a 9.0.2 patch level
 * (9.0.2.0 needs the patch set, 9.0.2.3 does not) and otherwise the release (9.0.3, 9.0.4, 10.1.2:
 * `10.1.2.0.2` is the full number of the 10.1.2 release the document targets). Other numbers keep
 * their first three parts so messages can name them (9.0.1, 10.1.3).
 */
export const oracleScheme: VersionScheme = {
  describe: "Oracle's dotted release numbers, 3 to 5 numbers like 9.0.2.3 or 10.1.2.0.2",
  normalize(text) {
    const t = text.trim();
    if (!/^\d{1,2}(\.\d{1,2}){2,4}$/.test(t)) return undefined;
    const [a, b, c, d = 0] = parts(t);
    if (a === 9 && b === 0 && c === 2) return `9.0.2.${d}`;
    return `${a}.${b}.${c}`;
  },
  compare: compareOracle,
};

export const isRelease902 = (v: string) => v.startsWith("9.0.2.");
/** Whether a 9.0.2 source still lacks the patch set. */
export const needsPatchSet = (v: string) => isRelease902(v) && compareOracle(v, PATCH_SET) < 0;
/** Whether `v` is a source the document upgrades to 10.1.2 directly. */
export const goesStraightTo10g = (v: string) => (isRelease902(v) && !needsPatchSet(v)) || v === "9.0.3" || v === "9.0.4";
/** 9.0.2 and 9.0.3 keep an Enterprise Manager Web Site the Upgrade Assistant does not stop; 9.0.4 does not. */
export const hasEmWebSite = (v: string) => isRelease902(v) || v === "9.0.3";
export const isDocumentedSource = (v: string) => isRelease902(v) || v === "9.0.3" || v === "9.0.4";
