/**
 * The benchmark's HTTPS upstream certificate: a CA of its own (Tollgate's `CertificateAuthority`
 * in a scratch directory, apart from the proxies' CAs) and one leaf for a list of host names
 * and 127.0.0.1.
 *
 * @module
 */

import { join } from "node:path";
import { CertificateAuthority } from "../../proxy/mod.ts";

/** PEM material for a TLS server and its clients. */
export interface TestCertificates {
  /** The CA certificate clients trust. */
  caPem: string;
  /** The leaf certificate followed by the CA certificate. */
  chainPem: string;
  /** The leaf private key, PKCS#8. */
  keyPem: string;
}

/**
 * Create a CA under `dir` and a leaf certificate valid for `hosts` and 127.0.0.1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { X509Certificate } from "node:crypto";
 * import { createTestCertificates } from "./test_ca.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * assert.ok(new X509Certificate(certs.chainPem).checkHost("bench.example"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createTestCertificates(
  hosts: string[],
  dir: string,
): Promise<TestCertificates> {
  const ca = await CertificateAuthority.loadOrCreate(join(dir, "upstream-ca"));
  const leaf = await ca.mintLeaf([...hosts, "127.0.0.1"]);
  return { caPem: ca.certPem, ...leaf };
}
