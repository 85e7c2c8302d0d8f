// A Groupmax site's facts as a stack gives them (002 names none of them: no path, no Linux command),
// for unit tests that plan with every required option present. The commands are a made-up site's.
const svc = (name: string) => ({
  start: `/usr/local/sbin/gmx-site start ${name}`,
  stop: `/usr/local/sbin/gmx-site stop ${name}`,
  status: `/usr/local/sbin/gmx-site status ${name}`,
});

export const LINUX_SITE = {
  installers: { objectServer: "sh /srv/pkg/objsrv/install.sh", addressServer: "sh /srv/pkg/address/install.sh", mailServer: "sh /srv/pkg/mail/install.sh" },
  installDirs: ["/opt/gmx/address", "/opt/gmx/mail"],
  databasePaths: ["/var/opt/gmx/db", "/srv/gmxmail"],
  journalDir: "/var/opt/gmx/journal",
  advup: "/opt/gmx/address/bin/advup2_6",
  addressMailSetup: "/opt/gmx/address/bin/setup-ok",
  commands: {
    objectServer: svc("objsrv"),
    address: svc("address"),
    server: svc("server"),
    console: svc("console"),
    autostart: { isOn: "/usr/local/sbin/gmx-site autostart is-on", off: "/usr/local/sbin/gmx-site autostart off", on: "/usr/local/sbin/gmx-site autostart on" },
  },
};

export const WINDOWS_SITE = {
  installers: {
    objectServer: "& C:\\pkg\\objsrv\\setup.exe /s",
    addressServer: "& C:\\pkg\\address\\setup.exe /s",
    mailServer: "& C:\\pkg\\mail\\setup.exe /s",
  },
  installDirs: ["C:\\Groupmax\\Address", "C:\\Groupmax\\Mail"],
  databasePaths: ["D:\\GroupmaxDB"],
  journalDir: "C:\\Groupmax\\journal",
  advup: "C:\\Groupmax\\bin\\advup2_6.exe",
  addressMailSetup: "& C:\\site\\confirm-setup.ps1",
  // 002 names no Windows service: the site's names (these are a made-up site's)
  windowsServices: {
    objectServer: "Groupmax Object Server",
    address: "Groupmax Address Server",
    server: "Groupmax Mail Server",
    console: "Groupmax Operator Console",
  },
};
