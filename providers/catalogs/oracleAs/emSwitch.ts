// 004 l.30-36, stopping the Enterprise Manager Web Site of a 9.0.2/9.0.3 source:
//   the active EM Web Site is named in HKLM\SOFTWARE\ORACLE\em_loc (l.30-31);
//   ACTIVE_EM_ORACLE_HOME\bin\emctl stop (l.32), which asks for the ias_admin password (l.33);
//   ACTIVE_EM_ORACLE_HOME\bin\emctl switch home (l.34), a dialog box to choose the instance that holds
//   the active Enterprise Manager (l.35);
//   SOURCE_ORACLE_HOME\bin\emctl stop (l.36).
// So the source must hold the active Enterprise Manager, its EM Web Site stopped. When em_loc names the
// source (or nothing), l.32 and l.36 are the same command and the hop runs it. When it names another
// home, the switch is a dialog box upchain cannot answer: the operator does l.32 and l.34 there, and
// the host itself then says it was done (em_loc names the source). Preview reads em_loc and refuses
// until it does, saying exactly that; a stack flag saying "switched" would add nothing the registry
// does not already tell, and could outlive the switch (another instance switched back later).
// The hop's stop step reads em_loc again and refuses the same way if it changed since preview.

/** The operator's part when `where` names `active` instead of the source home `src` (paths in the platform's separator). */
export function switchHomeAdvice(where: string, active: string, src: string, sep: "/" | "\\"): string {
  const em = (home: string, args: string) => `${home}${sep}bin${sep}emctl ${args}`;
  return (
    `${where} names ${active} as the active Enterprise Manager home, not the source home ${src}. ` +
    `004 (lines 32-36) makes the source's EM Web Site the one stopped, so first, by hand: stop the active one there (${em("ACTIVE_EM_ORACLE_HOME", "stop")}, with the ias_admin password), ` +
    `then run ${em("ACTIVE_EM_ORACLE_HOME", "switch home")} and choose ${src} in the dialog box it opens (upchain cannot answer a dialog box); ` +
    `then preview again: the hop stops the source's EM Web Site itself (${em("SOURCE_ORACLE_HOME", "stop")})`
  );
}
