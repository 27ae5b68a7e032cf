/**
 * A throwaway certificate authority for the benchmark's HTTPS upstream: one CA and one leaf
 * for a list of host names (and 127.0.0.1), ECDSA P-256, kept in memory only.
 *
 * @module
 */

import * as x509 from "@peculiar/x509";
import { Buffer } from "node:buffer";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const HOUR_MS = 60 * 60 * 1000;

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
 * Create a CA and a leaf certificate valid for `hosts` and 127.0.0.1, for one day.
 *
 * @example
 * ```ts ignore
 * const certs = await createTestCertificates(["bench.example"]);
 * tls.createServer({ cert: certs.chainPem, key: certs.keyPem });
 * ```
 */
export async function createTestCertificates(hosts: string[]): Promise<TestCertificates> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + 24 * HOUR_MS) };
  const caKeys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Tollgate bench upstream CA",
    ...validity,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: `CN=${hosts[0] ?? "localhost"}`,
    issuer: ca.subject,
    ...validity,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...hosts.map((value) => ({ type: "dns" as const, value })),
        { type: "ip", value: "127.0.0.1" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
  // toString("pem") has no final newline: add one before concatenating PEM blocks.
  const caPem = `${ca.toString("pem")}\n`;
  return {
    caPem,
    chainPem: `${leaf.toString("pem")}\n${caPem}`,
    keyPem: pem("PRIVATE KEY", pkcs8),
  };
}

function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
