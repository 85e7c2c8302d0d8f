// Where a step comes from. Every step a catalog plans says which of three sources it follows, so a
// reader (and a test) can tell the vendor's procedure from what the site supplies and from what
// upchain adds for safety:
// - document: the vendor document's sentence it follows, quoted as the document writes it (with a
//   translation when the document is not English), and where it is;
// - site: something the document leaves to the site (a command, a path, a fact), given by a stack
//   option that has no default in upchain;
// - safety: upchain's own addition (a restore point, a read-only check, a pool drain, putting back
//   what a failed hop changed); it changes nothing in the product beyond what it later undoes.

/** The vendor documents, by the file name they have in the shared seeds folder. */
export const DOCUMENTS = {
  omflowJapanese: "000_e0a95f34f8811c42.txt",
  omflowEnglish: "001_7ff41db2ee37386d.txt",
  groupmax: "002_145ba4ecd04d9c3b.txt",
  altazion: "003_9c23841344441436.txt",
  oracleAs: "004_e7ff3c8021ac49a3.txt",
} as const;

export type DocumentFile = (typeof DOCUMENTS)[keyof typeof DOCUMENTS];

export interface FromDocument {
  kind: "document";
  document: DocumentFile;
  /** Where in the document ("Linux, General Update Steps 3"). */
  section: string;
  /** The sentence the step follows, verbatim from the document (a unit test checks it is there). */
  quote: string;
  /** The quote in English, when the document is not. */
  translation?: string;
}

export interface FromSite {
  kind: "site";
  /** The stack field that supplies it, as the user writes it under the server (options.versionCommand). */
  field: string;
  /** What the document leaves open, that the field answers. */
  note: string;
}

export interface FromSafety {
  kind: "safety";
  /** What upchain adds and why; what it changes, it undoes. */
  note: string;
}

export type Provenance = FromDocument | FromSite | FromSafety;

export const fromDocument = (document: DocumentFile, section: string, quote: string, translation?: string): FromDocument => ({
  kind: "document",
  document,
  section,
  quote,
  ...(translation ? { translation } : {}),
});

export const fromSite = (field: string, note: string): FromSite => ({ kind: "site", field, note });

export const fromSafety = (note: string): FromSafety => ({ kind: "safety", note });

/** One line for preview and the plan table: `document 001_….txt (Linux, General Update Steps 3): "sudo ./patch.sh"`. */
export function describeProvenance(p: Provenance): string {
  switch (p.kind) {
    case "document":
      return `document ${p.document} (${p.section}): "${p.quote}"${p.translation ? ` (${p.translation})` : ""}`;
    case "site":
      return `site ${p.field}: ${p.note}`;
    case "safety":
      return `safety: ${p.note}`;
  }
}

/** A few words for a preview line: `document 001 (Linux, General Update Steps 3)`, `site options.versionCommand`, `safety`. */
export function shortProvenance(p: Provenance | undefined): string {
  if (!p) return "source not stated";
  switch (p.kind) {
    case "document":
      return `document ${p.document.slice(0, 3)} (${p.section})`;
    case "site":
      return `site ${p.field}`;
    case "safety":
      return "safety";
  }
}

/** Placeholder shown for a site's value when `upchain plan` runs without the stack's options. */
export const sitePlaceholder = (field: string) => `<site: ${field}>`;
