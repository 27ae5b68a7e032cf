/**
 * A throwaway certificate authority and server certificate for upstream servers that stand in
 * for public APIs in the demo and the end-to-end tests. It is minted by Tollgate's own
 * `CertificateAuthority`, in a directory of its own, so it is a CA the proxy does not know.
 *
 * @module
 */

import { CertificateAuthority } from "../../proxy/mod.ts";

/** PEM material of a minted CA and one server certificate. */
export interface TestCertificates {
  caCertPath: string;
  caCertPem: string;
  /** The server certificate followed by the CA certificate. */
  certPem: string;
  keyPem: string;
}

/**
 * Mint an ECDSA CA into `dir` and a server certificate for `hosts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mintTestCertificates } from "./test_certificates.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await mintTestCertificates(dir, ["api.github.com"]);
 * assert.equal(certs.certPem.match(/BEGIN CERTIFICATE/g)?.length, 2); // server, then CA
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function mintTestCertificates(
  dir: string,
  hosts: string[],
): Promise<TestCertificates> {
  const ca = await CertificateAuthority.loadOrCreate(dir);
  const leaf = await ca.mintLeaf(hosts);
  return {
    caCertPath: ca.certPath,
    caCertPem: ca.certPem,
    certPem: leaf.chainPem,
    keyPem: leaf.keyPem,
  };
}
