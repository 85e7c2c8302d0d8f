// The named edits a catalog step may ask for (`edit: "<name>"`), the one place the executor finds
// them. The step carries its value as text (the plan's own, shown in preview, or what the step's
// valueCommand printed on the host), so each edit reads that text into its typed value first: a
// value the edit cannot use is an error of the step, never an edit.
import { EditOutcome, setWsgiModulePath } from "./edit";
import { StartAtBoot, setJvmMaxHeap, setReportsServerName, setStartAtBoot } from "./oracleFiles";

/** An edit by name: how the step's text becomes its value, and the pure edit itself. */
interface NamedEdit<Value> {
  read(text: string): { value: Value } | { error: string };
  apply(text: string, value: Value): EditOutcome;
  /** The value as the step carries it (the plan's digest covers this text, so it must not change shape). */
  write(value: Value): string;
}

const asText: Pick<NamedEdit<string>, "read" | "write"> = { read: (text) => ({ value: text }), write: (value) => value };

const START_AT_BOOT_RULE = "the start-at-boot edit needs { on, off } homes";

/** `{"on":home,"off":home}`, as linux.ts has always written it into the plan. */
function readStartAtBoot(text: string): { value: StartAtBoot } | { error: string } {
  let want: unknown;
  try {
    want = JSON.parse(text);
  } catch {
    return { error: START_AT_BOOT_RULE };
  }
  const { on, off } = (want ?? {}) as Partial<Record<keyof StartAtBoot, unknown>>;
  return typeof on === "string" && typeof off === "string" && on && off ? { value: { on, off } } : { error: START_AT_BOOT_RULE };
}

const edits = {
  "wsgi-module": { ...asText, apply: setWsgiModulePath } satisfies NamedEdit<string>,
  "oratab-start-at-boot": {
    read: readStartAtBoot,
    apply: setStartAtBoot,
    write: (v: StartAtBoot) => JSON.stringify({ on: v.on, off: v.off }),
  } satisfies NamedEdit<StartAtBoot>,
  "jvm-max-heap": { ...asText, apply: setJvmMaxHeap } satisfies NamedEdit<string>,
  "reports-server-name": { ...asText, apply: setReportsServerName } satisfies NamedEdit<string>,
};

export type EditName = keyof typeof edits;
/** The typed value edit `N` takes. */
export type EditValue<N extends EditName> = Parameters<(typeof edits)[N]["apply"]>[1];

export const editNames = Object.keys(edits) as EditName[];

const isEditName = (name: string): name is EditName => Object.prototype.hasOwnProperty.call(edits, name);

/** The value of edit `name` as a step carries it (`value:`), checked against the edit's type where it is written. */
export function stepValue<N extends EditName>(name: N, value: EditValue<N>): string {
  return (edits[name] as NamedEdit<EditValue<N>>).write(value);
}

/** Edit `text` by the named edit with the step's value text; an unknown name or an unusable value is an error. */
export function applyNamedEdit(name: string, text: string, value: string): EditOutcome {
  if (!isEditName(name)) return { error: `no edit named ${name}: the named edits are ${editNames.join(", ")}` };
  const edit = edits[name] as NamedEdit<unknown>;
  const read = edit.read(value);
  return "error" in read ? read : edit.apply(text, read.value);
}

/** Whether the named edit exists (for a step of a catalog of one's own). */
export const hasNamedEdit = isEditName;
