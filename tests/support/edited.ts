// An edit's outcome that must be an edit: fails the test with the edit's error otherwise.
import * as assert from "assert";
import { EditOutcome, EditResult } from "../../providers/edits/edit";

export function edited(r: EditOutcome): EditResult {
  assert.ok(!("error" in r), `expected an edit, got the error: ${"error" in r ? r.error : ""}`);
  return r;
}

/** The outcome's error, failing the test when it is an edit. */
export function editError(r: EditOutcome): string {
  assert.ok("error" in r, `expected an error, got an edit: ${JSON.stringify(r).slice(0, 200)}`);
  return r.error;
}
