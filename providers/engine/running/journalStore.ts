// Where a resource's journal is kept, as one contract (like umzug's storage): read it, write it, move
// it to the history. The executor and its checks hold a store, not (host, stateDir, resource, fence)
// four times over; unit tests hold an in-memory one (tests/support/memoryJournalStore.ts).
import { RemoteHost } from "../../transport/remoteHost";
import { Fence } from "./fence";
import { Journal, archiveJournal, journalPath, journalWrite, readJournal, writeAndArchiveJournal, writeJournal } from "./journal";

export interface JournalStore {
  /** Where the journal is, as messages name it ("<host>:<file>"). */
  readonly where: string;
  /** Where finished journals go (for the operator). */
  readonly history: string;
  /** The journal, validated (journal.ts parseJournal); undefined when there is none. */
  read(): Promise<Journal | undefined>;
  /** Writes the journal as it stands, stamped now. */
  write(journal: Journal): Promise<void>;
  /** Moves the journal of run `run` to the history, as `<resource>.<run><suffix>.json` (never over another); where it went. */
  archive(run: string, suffix?: string): Promise<string>;
  /** Writes the journal's last state and moves it to the history, at once; where it went. */
  writeAndArchive(journal: Journal): Promise<string>;
  /** The write a detached step's launch carries out first, in its own script (detached.ts), stamped now. */
  launchWrite(journal: Journal): { file: string; content: string; mode: number };
}

/** The journal on the host, every change fenced: a run that lost the machine's lock changes nothing. */
export function hostJournalStore(host: RemoteHost, stateDir: string, resource: string, fence: Fence): JournalStore {
  return {
    where: `${host.label}:${journalPath(stateDir, resource)}`,
    history: `${stateDir}/history`,
    read: () => readJournal(host, stateDir, resource),
    write: (journal) => writeJournal(host, stateDir, resource, journal, fence),
    archive: (run, suffix = "") => archiveJournal(host, stateDir, resource, run, fence, suffix),
    writeAndArchive: (journal) => writeAndArchiveJournal(host, stateDir, resource, journal, fence),
    launchWrite: (journal) => journalWrite(stateDir, resource, journal),
  };
}
