/**
 * The CA bundle a sandboxed command trusts: the system roots followed by the Tollgate CA, and
 * the system trust store paths netns mode covers with it.
 *
 * @module
 */

import { rootCertificates } from "node:tls";
import { join } from "node:path";
import { writeAtomically } from "./_files.ts";

/**
 * The system trust stores (one PEM file of roots each) that netns mode covers with the
 * bundle: Debian/Ubuntu (also what GnuTLS, so wget, and OpenSSL read), Fedora/RHEL,
 * Alpine/BSD, openSUSE. Whatever reads one of them trusts the Tollgate CA without a flag.
 */
export const TRUST_STORE_FILES: readonly string[] = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
  "/etc/ssl/ca-bundle.pem",
];

/** Options of {@linkcode writeCaBundle}. */
export interface CaBundleOptions {
  /** System roots file; by default the first of `TRUST_STORE_FILES` that exists, else Node's built-in Mozilla roots. */
  systemBundlePath?: string;
}

/**
 * Write `DIR/ca-bundle.pem`: the system roots (or Node's built-in roots when the system file
 * is missing) followed by the Tollgate CA, through a temporary file and a rename so that a
 * reader never sees half a bundle. `DIR` is created (0700) when missing.
 *
 * @param dir A directory the sandboxed command may read (the sandbox's `public/` directory).
 * @param caPem The Tollgate CA certificate (PEM).
 * @returns The bundle's path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCaBundle } from "./ca_bundle.ts";
 * const dir = await Deno.makeTempDir();
 * const caPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
 * const path = await writeCaBundle(`${dir}/public`, caPem, { systemBundlePath: `${dir}/none.pem` });
 * assert((await Deno.readTextFile(path)).endsWith(`# Tollgate local CA\n${caPem}`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCaBundle(
  dir: string,
  caPem: string,
  options: CaBundleOptions = {},
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const roots = await systemRoots(
    options.systemBundlePath === undefined ? TRUST_STORE_FILES : [options.systemBundlePath],
  );
  const path = join(dir, "ca-bundle.pem");
  await writeAtomically(path, `${roots.trimEnd()}\n# Tollgate local CA\n${caPem.trim()}\n`);
  return path;
}

async function systemRoots(paths: readonly string[]): Promise<string> {
  for (const path of paths) {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return rootCertificates.join("\n");
}
