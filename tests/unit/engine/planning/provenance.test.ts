// Every step says where it comes from (providers/engine/planning/provenance.ts): the vendor document's
// sentence (found verbatim in the seed file), the site's option, or upchain's own safety step, which
// changes nothing it does not undo. Checked over whole chains, with the restore and recovery steps of
// every hop, on every platform.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { getCatalog } from "../../../../providers/catalogs";
import { Catalog, Platform, Step } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { DOCUMENTS, shortProvenance } from "../../../../providers/engine/planning/provenance";
import { repoRoot } from "../../../support/pulumi";

/** The vendor documents: beside the repository (../shared/seeds), or where UPCHAIN_SEEDS says. */
const seedsDir = process.env.UPCHAIN_SEEDS ?? path.resolve(repoRoot, "../shared/seeds");

/** Markdown escapes (mod\_wsgi) and runs of white space do not count. */
const normalized = (text: string) =>
  text
    .replace(/\\([_*[\]()#.!-])/g, "$1")
    .replace(/\s+/g, " ")
    .trim();

interface Case {
  product: string;
  platform: Platform;
  from: string;
  to: string;
  options?: Record<string, unknown>;
  /** For a product whose releases come from its host: the releases it offers. */
  releases?: string[];
}

/** An Altazion server with every kind of module: web (pools), not web, a customised database, and the notice. */
const altazionOptions = (platform: Platform) => {
  const root = platform === "windows" ? "C:\\Altazion\\" : "/srv/altazion/";
  return {
    modules: [
      { name: "database", target: "latest", folder: `${root}database` },
      { name: "ecommerce", target: "latest", folder: `${root}ecommerce`, pools: ["Ecommerce"] },
      { name: "integration", target: "latest", folder: `${root}integration` },
    ],
    database: {
      sqlCommand: "sqlcmd -b -i",
      backupCommand: "backup-db",
      restoreCommand: "restore-db",
      scriptsFolder: `${root}sql${platform === "windows" ? "\\" : "/"}{version}`,
      reviewedScripts: [{ name: "001.sql", sha256: "a".repeat(64) }],
    },
    notify: "notify-users",
    portal: {
      listedPattern: 'data-module="{module}"',
      installingPattern: "installing {module}",
      install: { method: "POST", path: "/install", fields: { module: "{module}" } },
    },
  };
};
const ALTAZION_FROM = "database=5.1.0.0,ecommerce=5.1.0.0,integration=5.1.0.0";
const ALTAZION_TO = "database=5.2.0.0,ecommerce=5.2.0.0,integration=5.2.0.0";

/**
 * Chains that reach every kind of hop each product has. Oracle AS and Altazion Office are issue 18's
 * (their steps are traced to the document there); the test covers every product listed here.
 */
const CASES: Case[] = [
  ...(["linux", "windows"] as const).flatMap((platform) => [
    { product: "omflow", platform, from: "1.1.2.0", to: "1.2.1.0" },
    { product: "omflow", platform, from: "1.1.6.1", to: "1.1.6.4" },
    ...["05-00", "03-00", "02-01", "02-00"].map((from) => ({ product: "groupmax", platform, from, to: "06-00" })),
    // every optional step and every post-upgrade task of 004 (jazn only from 9.0.2)
    ...["9.0.2.0", "9.0.3", "9.0.4"].map((from) => ({ product: "oracle-as", platform, from, to: "10.1.2", options: oracleAsEverything(platform) })),
    {
      product: "altazion-office",
      platform,
      from: ALTAZION_FROM,
      to: ALTAZION_TO,
      options: altazionOptions(platform),
      releases: getCatalog("altazion-office").releasesBetween!(ALTAZION_FROM, ALTAZION_TO),
    },
  ]),
];

function oracleAsEverything(platform: Platform): Record<string, unknown> {
  const w = platform === "windows";
  return {
    ...(w ? { windowsSourceService: "OracleIAS902ProcessManager", windowsDestinationService: "OracleIAS1012ProcessManager" } : {}),
    installers: { patchSet: "site-patch-set", destination: "site-install" },
    iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
    infrastructureCheck: "site-infrastructure-check",
    oc4jMaxHeap: "1024m",
    webCacheMember: true,
    webCache: { propagateCommand: "site-propagate" },
    decommissionSource: true,
    components: ["httpServer", "oc4j", "webCache", "forms", "reports"],
    postUpgradeTasks: {
      ossoPartner: "done",
      httpServerFilesOutsideDefaults: "done",
      directiveTargets: "site-directives",
      defaultDocumentRoot: "done",
      jaznLibraryPaths: {
        applicationXml: w ? "D:\\oracle\\ias1012\\j2ee\\home\\config\\application.xml" : "/u01/app/oracle/product/10.1.2/j2ee/home/config/application.xml",
      },
      jaznDataFiles: "done",
      applicationXmlCustomizations: "done",
      bc4jRepackaging: "done",
      webCacheWallet: "done",
      formsExecutables: "done",
      reportsFiles: "done",
      reportsStandaloneServers: "done",
    },
  };
}

function stepsOf(c: Case): { where: string; step: Step; inHop: boolean }[] {
  const catalog: Catalog = getCatalog(c.product);
  const plan = planUpgrade(catalog, { installed: c.from, target: c.to, platform: c.platform, options: c.options, releases: c.releases });
  const ctx = { platform: c.platform, releases: c.releases ?? catalog.defaultReleases, options: c.options ?? {} };
  return [
    ...plan.steps.map((step) => ({ where: `${step.hop} ${step.id}`, step, inHop: true })),
    ...plan.hops.flatMap((hop) =>
      [...catalog.restoreSteps(hop, ctx), ...(catalog.recoverSteps?.(hop, ctx) ?? [])].map((step) => ({
        where: `${hop.from}->${hop.to} on failure: ${step.id}`,
        step,
        inHop: false,
      })),
    ),
  ];
}

describe("every step says where it comes from", () => {
  const seeds = new Map<string, string>();
  before(() => {
    for (const file of Object.values(DOCUMENTS)) {
      const full = path.join(seedsDir, file);
      assert.ok(fs.existsSync(full), `the vendor document ${full} is not there: set UPCHAIN_SEEDS to the folder that holds the seed documents`);
      seeds.set(file, normalized(fs.readFileSync(full, "utf8")));
    }
  });

  it("the quote check catches what the documents never say (the sh ./patch.sh and VERSION file the comparison found)", () => {
    const english = seeds.get(DOCUMENTS.omflowEnglish)!;
    assert.ok(english.includes(normalized("sudo ./patch.sh")), "the document's own command is found");
    assert.ok(!english.includes(normalized("sh ./patch.sh")), "upchain's old invention is not");
    const products = [DOCUMENTS.omflowJapanese, DOCUMENTS.omflowEnglish, DOCUMENTS.groupmax].map((d) => seeds.get(d)!);
    assert.ok(!products.some((text) => /\bVERSION\b/.test(text)), "no OMFLOW or Groupmax document names a VERSION file");
  });

  for (const c of CASES) {
    describe(`${c.product} ${c.from} -> ${c.to} on ${c.platform}`, () => {
      it("every hop, restore and recovery step has a provenance", () => {
        const missing = stepsOf(c)
          .filter((s) => !s.step.provenance)
          .map((s) => s.where);
        assert.deepStrictEqual(missing, []);
      });

      it("every document step quotes a sentence that is in its document, word for word", () => {
        const wrong = stepsOf(c).flatMap(({ where, step }) => {
          const p = step.provenance;
          if (p?.kind !== "document") return [];
          if (!p.quote.trim() || !p.section.trim()) return [`${where}: a document step needs its section and its quote`];
          if (!seeds.get(p.document)!.includes(normalized(p.quote))) return [`${where}: "${p.quote}" is not in ${p.document}`];
          return [];
        });
        assert.deepStrictEqual(wrong, []);
      });

      it("a quote from a document that is not English comes with its translation", () => {
        const english = new Set<string>([DOCUMENTS.omflowEnglish]);
        const untranslated = stepsOf(c).filter(({ step: { provenance: p } }) => p?.kind === "document" && !english.has(p.document) && !p.translation?.trim());
        assert.deepStrictEqual(
          untranslated.map((s) => s.where),
          [],
        );
      });

      it("every site step names the stack field that supplies it, and what the document leaves open", () => {
        const wrong = stepsOf(c).filter(
          ({ step: { provenance: p } }) => p?.kind === "site" && (!/^[a-zA-Z][\w.]*(\["[^"]+"\])?$/.test(p.field) || !p.note.trim()),
        );
        assert.deepStrictEqual(
          wrong.map((s) => `${s.where}: ${shortProvenance(s.step.provenance)}`),
          [],
        );
      });

      it("a safety step among a hop's steps changes nothing the restore point must undo", () => {
        const changing = stepsOf(c).filter((s) => s.inHop && s.step.provenance?.kind === "safety" && s.step.destructive);
        assert.deepStrictEqual(
          changing.map((s) => s.where),
          [],
        );
      });
    });
  }
});
