// Windows restore points are restricted to Administrators and SYSTEM with icacls, and an earlier one
// is moved aside, never removed (rendered PowerShell, read as text: no Windows host runs here).
import * as assert from "assert";
import { keepEarlierPs, privateFolderPs } from "../../../providers/catalogs/privateFolder";

describe("private Windows folders", () => {
  const ps = privateFolderPs("C:\\up'chain\\backups");

  it("creates the folder, then resets its ACL and grants full control to the Administrators and SYSTEM SIDs only, inherited", () => {
    assert.ok(ps.startsWith("$private = 'C:\\up''chain\\backups'; New-Item -ItemType Directory -Force -Path $private | Out-Null; "), ps);
    assert.match(
      ps,
      /icacls \$private \/reset \| Out-Null; if \(\$LASTEXITCODE -eq 0\) \{ icacls \$private \/inheritance:r \/grant:r '\*S-1-5-32-544:\(OI\)\(CI\)F' '\*S-1-5-18:\(OI\)\(CI\)F' \| Out-Null \}/,
    );
    assert.ok(!/Users|Everyone|S-1-1-0|S-1-5-11|S-1-5-32-545/.test(ps), "no other principal is granted anything");
  });

  it("fails the step, naming the folder, when icacls fails", () => {
    assert.match(
      ps,
      /if \(\$LASTEXITCODE -ne 0\) \{ throw \('icacls could not restrict ' \+ \$private \+ ' to Administrators and SYSTEM \(exit ' \+ \$LASTEXITCODE \+ '\)'\) \}$/,
    );
  });

  it("an earlier restore point is moved to a name with the UTC time and the process id, never removed", () => {
    const keep = keepEarlierPs("C:\\b\\1.1-to-1.2");
    assert.match(
      keep,
      /^if \(Test-Path -LiteralPath 'C:\\b\\1\.1-to-1\.2'\) \{ \$aside = 'C:\\b\\1\.1-to-1\.2' \+ '\.' \+ \(Get-Date\)\.ToUniversalTime\(\)\.ToString\('yyyyMMddTHHmmssZ'\) \+ '\.' \+ \$PID; /,
    );
    assert.match(keep, /Move-Item -LiteralPath 'C:\\b\\1\.1-to-1\.2' -Destination \$aside/);
    assert.ok(!/Remove-Item/.test(keep));
  });
});
