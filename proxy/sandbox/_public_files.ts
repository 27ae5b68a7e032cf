/**
 * What a sandbox's `public/` directory holds for the command: the CA (alone, as a PEM bundle
 * with the system roots, and as a Java trust store), the skill, and in env mode a wgetrc and
 * an apt configuration naming the bundle.
 *
 * @module
 */

import { join } from "node:path";
import { writeAtomically, writeSkills } from "./_files.ts";
import { writeJavaTrustStore } from "./java_settings.ts";
import { writeCaBundle } from "./ca_bundle.ts";
import type { Isolation } from "./detect_isolation.ts";

/** The main apt configuration file, which `APT_CONFIG` replaces. */
const HOST_APT_CONF = "/etc/apt/apt.conf";

/** The paths {@linkcode writePublicFiles} wrote, as `sandboxEnv()` takes them. */
export interface PublicFiles {
  caBundlePath: string;
  caCertPath: string;
  skillPath: string;
  javaTrustStorePath: string;
  wgetrcPath?: string;
  aptConfigPath?: string;
}

/**
 * Write the command's CA files, skill and (env mode) wgetrc into `publicDir`; the Java store is
 * kept in `cacheDir` (see `writeJavaTrustStore()`).
 */
export async function writePublicFiles(
  publicDir: string,
  o: { caPem: string; skillPath: string; isolation: Isolation; cacheDir?: string },
): Promise<PublicFiles> {
  const caBundlePath = await writeCaBundle(publicDir, o.caPem);
  const caCertPath = join(publicDir, "tollgate-ca.pem");
  await writeAtomically(caCertPath, o.caPem);
  const javaTrustStorePath = await writeJavaTrustStore(publicDir, caBundlePath, o.cacheDir);
  const skillPath = await writeSkills(publicDir, o.skillPath);
  const files = { caBundlePath, caCertPath, skillPath, javaTrustStorePath };
  if (o.isolation !== "env") return files;
  // wget reads no CA variable; outside a mount namespace its wgetrc is the only way in.
  const wgetrcPath = join(publicDir, "wgetrc");
  await writeAtomically(wgetrcPath, `ca_certificate = ${caBundlePath}\n`);
  // apt's https method reads only the system store (or Acquire::https::CaInfo): APT_CONFIG
  // names this file in place of /etc/apt/apt.conf, which it includes when there is one.
  const aptConfigPath = join(publicDir, "apt.conf");
  const hostConf = await Deno.stat(HOST_APT_CONF).then(() => true, () => false);
  const include = hostConf ? `#include "${HOST_APT_CONF}";\n` : "";
  await writeAtomically(aptConfigPath, `${include}Acquire::https::CaInfo "${caBundlePath}";\n`);
  return { ...files, wgetrcPath, aptConfigPath };
}
