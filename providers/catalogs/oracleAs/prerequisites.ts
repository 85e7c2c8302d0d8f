// The tasks 004 asks for before the 10.1.2 middle tier is installed that upchain cannot do or read
// itself: the 9.0.2 Oracle Internet Directory's entries (the procedure is in section 2.6.5, which the
// seed does not hold) and re-registering mod_osso on the Web Cache port with the 9.0.2 ossoreg.jar
// (its switches are in the 9.0.2 Single Sign-On release notes, not in 004). The site confirms each as
// done in the stack (`options.prerequisites.<task>: "done"`); preview refuses a plan that needs one
// the stack does not confirm. Whether a task applies is read where 004 lets it be read: the
// directory's release (the infrastructure check) and the source's release.
import { z } from "zod";
import { DOCUMENTS, FromDocument, fromDocument } from "../../engine/planning/provenance";
import { strictOptions } from "../../options/schema";

const DONE = "done";

const done = (task: string) =>
  z.literal(DONE, {
    error: () => `is the site's confirmation that it has ${task}: the only value is "${DONE}" (leave it out until the task is done)`,
  });

export const PREREQUISITES = {
  updateOid902Entries: {
    task: "updated the Release 2 (9.0.2) Oracle Internet Directory's entries as 004's section 2.6.5 says",
    provenance: fromDocument(
      DOCUMENTS.oracleAs,
      "10g リリース2(10.1.2)中間層のインストール前のタスク: Oracle Internet Directory (seed line 10)",
      "リリース2(9.0.2)のOracle Internet Directoryを使用している場合は、2.6.5項「10g リリース2(10.1.2)中間層をインストールする前のリリース2(9.0.2) Oracle Internet Directoryのエントリの更新」に示す手順を使用します。",
      'if you use a Release 2 (9.0.2) Oracle Internet Directory, follow the procedure in section 2.6.5, "Updating the Release 2 (9.0.2) Oracle Internet Directory entries before installing the 10g Release 2 (10.1.2) middle tier"',
    ),
  },
  registerModOssoOnWebCachePort: {
    task: "re-registered mod_osso with the Release 2 (9.0.2) ossoreg.jar so that it uses the OracleAS Web Cache port",
    provenance: fromDocument(
      DOCUMENTS.oracleAs,
      "10g リリース2(10.1.2)中間層のインストール前のタスク: mod_osso (seed line 14)",
      "mod_ossoを再構成するには、リリース2(9.0.2)のossoreg.jarユーティリティを使用して、OracleAS Web Cacheポートを使用するようにリリース2(9.0.2)のOracleAS Single Sign-Onソフトウェアを再登録します。",
      "to reconfigure mod_osso, use the Release 2 (9.0.2) ossoreg.jar utility to re-register the Release 2 (9.0.2) OracleAS Single Sign-On software so that it uses the OracleAS Web Cache port",
    ),
  },
} as const satisfies Record<string, { task: string; provenance: FromDocument }>;

export type Prerequisite = keyof typeof PREREQUISITES;

/** What 004 says about the Web Cache port that ossoreg.jar must be given (quoted in the mod_osso message). */
export const WEB_CACHE_PORT_IN_PORTLIST = fromDocument(
  DOCUMENTS.oracleAs,
  "10g リリース2(10.1.2)中間層のインストール前のタスク: mod_osso (seed line 19)",
  "このファイルで次にリストされているポートは、OracleAS Web Cacheポートです。ossoreg.jarユーティリティを実行するときは、このOracleAS Web Cacheポートを使用します。",
  "the port listed next in this file is the OracleAS Web Cache port; use this OracleAS Web Cache port when you run the ossoreg.jar utility",
);

export const prerequisitesSchema = strictOptions(
  {
    /** "done" once the 9.0.2 Oracle Internet Directory's entries are updated (004, section 2.6.5). */
    updateOid902Entries: done(PREREQUISITES.updateOid902Entries.task).optional(),
    /** "done" once mod_osso is re-registered on the Web Cache port with the 9.0.2 ossoreg.jar (004). */
    registerModOssoOnWebCachePort: done(PREREQUISITES.registerModOssoOnWebCachePort.task).optional(),
  },
  'an object of site confirmations, like { registerModOssoOnWebCachePort: "done" }',
).default({});

export type Prerequisites = z.infer<typeof prerequisitesSchema>;

const prerequisiteField = (name: Prerequisite) => `options.prerequisites.${name}`;

/** The refusal when a task the plan needs is not confirmed: why (004, quoted and translated), what to do, what to write. */
export function unconfirmed(name: Prerequisite, why: string, extra = ""): { path: string; message: string } {
  const p = PREREQUISITES[name];
  return {
    path: prerequisiteField(name),
    message:
      `${why}; 004 (${p.provenance.section}) says: 「${p.provenance.quote}」 (${p.provenance.translation}). upchain cannot do this task for you${extra}. ` +
      `Once you have ${p.task}, set ${prerequisiteField(name)}: "${DONE}" in the stack and preview again`,
  };
}
