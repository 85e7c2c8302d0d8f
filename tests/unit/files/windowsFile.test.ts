// One file on a Windows host (providers/files/windowsFile.ts): what the host answers to a read is data,
// taken only from its marked line, bounded and checked as base64 before it is decoded; a failure's words
// from the host are shown printable and short.
import * as assert from "assert";
import { windowsPutFile, windowsReadText } from "../../../providers/files/windowsFile";
import { isUpchainError } from "../../../providers/errors";
import { RecordingHost } from "../../support/recordingHost";

const at = { path: "C:\\x\\services" };
const answering = (stdout: string, code = 0, stderr = "") => new RecordingHost(() => ({ code, stdout, stderr }));

describe("a file on a Windows host, read as data", () => {
  it("takes the content from the marked line only, whatever else the session prints", async () => {
    const h = answering(`Windows PowerShell banner\r\nupchain-file ${Buffer.from("smtp 25/tcp\r\n").toString("base64")}\r\nmore\r\n`);
    assert.strictEqual(await windowsReadText(h, at), "smtp 25/tcp\r\n");
    assert.strictEqual(await windowsReadText(answering("upchain-file missing\r\n"), at), undefined);
  });

  it("an answer without the mark, not base64, or longer than the bound allows is refused, never decoded", async () => {
    for (const [stdout, why] of [
      ["smtp 25/tcp\r\n", /could not be read: the host's answer holds no content \(13 characters of other output\)$/],
      ["upchain-file $(calc)\r\n", /could not be read: the host's answer is not the file's content/],
      [`upchain-file ${"A".repeat(2000)}\r\n`, /could not be read: the host's answer is not the file's content/],
    ] as [string, RegExp][]) {
      await assert.rejects(windowsReadText(answering(stdout), at, 1024), (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && why.test(e.message));
    }
  });

  it("a script that fails is reported with the host's words, printable and bounded, and says nothing was changed", async () => {
    const h = answering("", 1, `\u001b[31mAccess to the path is denied.\u001b[0m ${"x".repeat(1000)}`);
    await assert.rejects(windowsPutFile(h, at, Buffer.from("x")), (e: unknown) => {
      assert.ok(isUpchainError(e, "REMOTE_IO_FAILED"));
      assert.match(
        e.message,
        /^Administrator@win-test:22: writing C:\\x\\services failed \(nothing was changed\): \?\[31mAccess to the path is denied\.\?\[0m x+$/,
      );
      assert.ok(e.message.length < 400);
      return true;
    });
  });
});
