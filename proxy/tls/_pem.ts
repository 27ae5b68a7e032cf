/**
 * PEM text of the CA's files: the PKCS#8 keys written and read, and the certificates written,
 * read, and checked at load.
 *
 * @module
 */

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;

/** PKCS#8 PEM of an extractable private key, with a final newline. */
export async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

/** Import a PKCS#8 PEM private key for signing; throws when the text holds none. */
export async function importKey(pem: string): Promise<CryptoKey> {
  const der = pemBlock(pem, "PRIVATE KEY");
  if (der === undefined) throw new Error("The CA key file holds no PKCS#8 private key");
  return await crypto.subtle.importKey("pkcs8", der, ALGORITHM, false, ["sign"]);
}

/** The CA certificate as PEM with one final newline; throws when it holds no certificate. */
export function normalizedCertPem(text: string, path: string): string {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  // A DER certificate is a SEQUENCE (0x30): enough to refuse a damaged file at load.
  if (pem === undefined || pemBlock(pem, "CERTIFICATE")?.[0] !== 0x30) {
    throw new Error(`Cannot read the CA certificate "${path}": no PEM certificate`);
  }
  return `${pem.replaceAll("\r\n", "\n")}\n`;
}

/** A DER certificate as PEM (no final newline). */
export function certificatePem(der: Uint8Array): string {
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----`;
}

/** The DER bytes of the first certificate of `pem`; throws when it holds none. */
export function certificateDer(pem: string): Uint8Array<ArrayBuffer> {
  const der = pemBlock(pem, "CERTIFICATE");
  if (der === undefined) throw new SyntaxError("No PEM certificate");
  return der;
}

/** The DER bytes of the first `label` block of `pem`, or undefined. */
function pemBlock(pem: string, label: string): Uint8Array<ArrayBuffer> | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  if (match === null) return undefined;
  try {
    return decodeBase64(match[1]!.replace(/\s+/g, ""));
  } catch {
    return undefined;
  }
}

function encodeBase64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
