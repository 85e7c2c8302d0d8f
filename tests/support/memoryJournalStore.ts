// A JournalStore in memory, for unit tests of what the executor decides from a journal: it keeps a
// copy of what is written (as the host keeps a file, not the caller's object) and the history in order.
import { JournalStore } from "../../providers/engine/running/journalStore";
import { Journal, journalWrite } from "../../providers/engine/running/journal";

export class MemoryJournalStore implements JournalStore {
  readonly where: string;
  readonly history = "memory:history";
  /** The journal as last written; undefined when there is none. */
  current?: Journal;
  /** The archived journals, by the name the host would give them. */
  readonly archived: { name: string; journal: Journal }[] = [];

  /** `journal`: the one already there; `resource`: the name it is kept under. */
  constructor(
    journal?: Journal,
    private readonly resource = "test",
  ) {
    this.where = `memory:${resource}.json`;
    this.current = journal && copy(journal);
  }
  async read(): Promise<Journal | undefined> {
    return this.current && copy(this.current);
  }
  async write(journal: Journal): Promise<void> {
    this.current = copy({ ...journal, updatedAt: new Date().toISOString() });
  }
  async archive(run: string, suffix = ""): Promise<string> {
    if (!this.current) throw new Error("no journal to move");
    const base = `${this.resource}.${run}${suffix}`;
    const taken = (name: string) => this.archived.some((a) => a.name === name);
    let name = `${base}.json`;
    for (let n = 2; taken(name); n++) name = `${base}-${n}.json`;
    this.archived.push({ name, journal: this.current });
    this.current = undefined;
    return `${this.history}/${name}`;
  }
  async writeAndArchive(journal: Journal): Promise<string> {
    // repeated after a lost answer, the run is found in the history already: recorded once
    const done = this.archived.find((a) => a.name === `${this.resource}.${journal.run}.json`);
    if (!this.current && done) return `${this.history}/${done.name}`;
    await this.write(journal);
    return this.archive(journal.run);
  }
  launchWrite(journal: Journal): { file: string; content: string; mode: number } {
    return journalWrite("/memory", this.resource, journal);
  }
}

const copy = (journal: Journal): Journal => JSON.parse(JSON.stringify(journal)) as Journal;
