// OMFLOW's options in the stack, validated with zod. Paths default to the document's layout.
import { z } from "zod";

export const omflowOptionsSchema = z.object({
  /** Local patch archives (Linux .tar.gz) or update files (Windows .exe), by the version they install. */
  patches: z.record(z.string(), z.string().min(1)).default({}),
  /** Local offline bundle for the 1.2.0.0 hop: debs/, wheels/ and the mod_wsgi sdist (see README). */
  offlineBundle: z.string().optional(),
  /** Install Python 3.11 with apt instead of the offline bundle's .deb files. */
  online: z.boolean().default(false),
  installDir: z.string().default("/opt/omflow"),
  apacheSiteConf: z.string().default("/etc/apache2/sites-enabled/django.conf"),
  backupDir: z.string().default("/var/backups/upchain/omflow"),
  windowsInstallDir: z.string().default("C:\\Program Files\\OMFLOW Server"),
  windowsServiceName: z.string().default("OMFLOW Server"),
});

export type OmflowOptions = z.infer<typeof omflowOptionsSchema>;

export function omflowOptions(raw: Record<string, unknown>): OmflowOptions {
  return omflowOptionsSchema.parse(raw);
}
