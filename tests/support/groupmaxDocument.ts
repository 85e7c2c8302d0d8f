// The services table of the Groupmax document (付録A.3), typed here from the document itself, not
// from the catalog, so the tests check the catalog against the source.
export const DOCUMENT_PORTS_0200 = [
  ["imap", 143],
  ["adrshd", 20141],
  ["pop3", 110],
  ["popcfg", 106],
  ["adagt_ap", 9080],
  ["adreq_ap", 9081],
] as const;
