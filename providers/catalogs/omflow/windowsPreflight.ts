// What preview asks of a Windows site before any OMFLOW hop runs: the answers to what document 001
// leaves open for Windows. Each is a stack option with no default; every missing one is reported at once.
import { Hop } from "../../engine/planning/catalog";
import { localPathProblems } from "../../options/localFiles";
import { OptionProblem } from "../../options/problems";
import { crossesPython311 } from "./hops";
import { OmflowOptions } from "./options";

const INTERACTIVE = '001 Windows steps 3-6: choose the language, "I agree" to the terms of use, "Update", "Finish"';

/** Problems with the Windows answers the hops need; `failed` names fields already reported as invalid. */
export function windowsPreflightProblems(o: Partial<OmflowOptions>, hops: Hop[], failed: ReadonlySet<string>): OptionProblem[] {
  if (!hops.length) return [];
  const problems: OptionProblem[] = [];
  const missing = (field: keyof OmflowOptions, message: string) => {
    if (!failed.has(field) && o[field] === undefined) problems.push({ path: `options.${field}`, message });
  };
  missing("windowsServiceName", 'the document says "OMFLOW service" but names no Windows service; give its name as Get-Service shows it on this server');
  missing(
    "updaterArguments",
    `the update file is interactive (${INTERACTIVE}) and the document gives no unattended switch; give the arguments your update file takes to run without a window, as its vendor states them`,
  );
  if (!failed.has("acceptTermsOfUse") && o.acceptTermsOfUse !== true) {
    problems.push({
      path: "options.acceptTermsOfUse",
      message: `the update file asks you to accept its terms of use (001 Windows step 4: "Check the terms of use and click \\"I agree,\\""); read them, then set options.acceptTermsOfUse: true`,
    });
  }
  missing(
    "databaseBackup",
    "OMFLOW keeps its data in a database server the document's backup section does not describe; give the command that dumps it into the current folder (the restore point's)",
  );
  missing(
    "databaseRestore",
    "a failed hop restores the database with your command; give the command that loads the dump options.databaseBackup wrote, run in the same folder",
  );
  if (hops.some(crossesPython311)) {
    missing(
      "additionalPythonPackages",
      `from 1.2.0.0 OMFLOW runs on Python 3.11, and "If users have installed additional Python packages in previous versions, the update process will require manual installation of Python" (001 Notes for Version 1.2.0.0); list the packages your site added (pip requirements), or give [] when none were added`,
    );
    if (o.additionalPythonPackages?.length) {
      missing(
        "python311Installer",
        'your site added Python packages, so Python 3.11 is installed first (001: "Download Python 3.11 (32 Bit) Windows Installer and run it."); give the local path of that installer',
      );
    }
  }
  if (o.python311Installer && !failed.has("python311Installer"))
    problems.push(...localPathProblems("options.python311Installer", o.python311Installer, "file"));
  return problems;
}
