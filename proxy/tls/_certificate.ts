/**
 * X.509 v3 certificates for the CA and its leaves, built and signed here with Web Crypto
 * (ECDSA P-256, SHA-256). A general certificate library (@peculiar/x509 and its ASN.1 schema
 * stack) added some 12 MB to a proxy's resident memory for these two fixed shapes, and every
 * intercepting proxy loads it at its first mint.
 *
 * @module
 */

import { isIP } from "node:net";
import {
  bitString,
  children,
  der,
  type Element,
  oid,
  sequence,
  smallInteger,
  TAG,
  time,
  unsignedInteger,
  utf8,
} from "./_der.ts";
import { certificatePem } from "./_pem.ts";

const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
// ecdsa-with-SHA256, parameters absent (RFC 5758).
const SIGNATURE_ALGORITHM = sequence(oid("1.2.840.10045.4.3.2"));
const EXTENSION = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
} as const;

/** What a certificate says, apart from its keys. */
export interface CertificateFields {
  /** Serial number, big-endian, positive (top bit clear). */
  serial: Uint8Array;
  /** The issuer's Name, DER (the CA's subject, byte for byte). */
  issuer: Uint8Array;
  /** The subject's Name, DER (see {@linkcode distinguishedName}). */
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Extensions, DER (see {@linkcode caExtensions} and {@linkcode leafExtensions}). */
  extensions: Uint8Array[];
}

/** A Name of a common name and, optionally, an organisation. */
export function distinguishedName(commonName: string, organisation?: string): Uint8Array {
  const attribute = (type: string, value: string) => der(TAG.set, sequence(oid(type), utf8(value)));
  return sequence(
    attribute("2.5.4.3", commonName),
    ...(organisation === undefined ? [] : [attribute("2.5.4.10", organisation)]),
  );
}

/**
 * The certificate with `fields` for `publicKey`, signed by `signingKey`, as PEM (final newline
 * not included).
 */
export async function signCertificate(
  fields: CertificateFields,
  keys: { publicKey: CryptoKey; signingKey: CryptoKey },
): Promise<string> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const tbs = sequence(
    der(0xa0, smallInteger(2)), // [0] version: v3
    unsignedInteger(fields.serial),
    SIGNATURE_ALGORITHM,
    fields.issuer,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    spki,
    der(0xa3, sequence(...fields.extensions)), // [3] extensions
  );
  const raw = new Uint8Array(await crypto.subtle.sign(SIGNING, keys.signingKey, tbs));
  return certificatePem(sequence(tbs, SIGNATURE_ALGORITHM, bitString(ecdsaSignature(raw))));
}

/** Web Crypto signs as r ‖ s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }. */
function ecdsaSignature(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** The CA's extensions: a CA of path length 0 that signs certificates and CRLs. */
export async function caExtensions(publicKey: CryptoKey): Promise<Uint8Array[]> {
  return [
    extension(
      EXTENSION.basicConstraints,
      sequence(der(TAG.boolean, new Uint8Array([0xff])), smallInteger(0)),
      true,
    ),
    // keyCertSign (bit 5) and cRLSign (bit 6).
    extension(EXTENSION.keyUsage, bitString(new Uint8Array([0x06]), 7), true),
    extension(EXTENSION.subjectKeyIdentifier, await keyIdentifier(publicKey)),
  ];
}

/** A leaf's extensions: a TLS server certificate for `names` (DNS names or IP literals). */
export async function leafExtensions(
  names: string[],
  publicKey: CryptoKey,
  authorityKeyId: Uint8Array,
): Promise<Uint8Array[]> {
  return [
    extension(EXTENSION.basicConstraints, sequence(), true),
    // digitalSignature (bit 0).
    extension(EXTENSION.keyUsage, bitString(new Uint8Array([0x80]), 1), true),
    extension(EXTENSION.extKeyUsage, sequence(oid("1.3.6.1.5.5.7.3.1"))), // serverAuth
    extension(EXTENSION.subjectAltName, sequence(...names.map(generalName))),
    // keyIdentifier, [0] IMPLICIT.
    extension(EXTENSION.authorityKeyIdentifier, sequence(der(0x80, authorityKeyId))),
    extension(EXTENSION.subjectKeyIdentifier, await keyIdentifier(publicKey)),
  ];
}

function extension(id: string, value: Uint8Array, critical = false): Uint8Array {
  const flag = critical ? [der(TAG.boolean, new Uint8Array([0xff]))] : [];
  return sequence(oid(id), ...flag, der(TAG.octetString, value));
}

/** dNSName is [2] IMPLICIT IA5String, iPAddress [7] IMPLICIT OCTET STRING. */
function generalName(name: string): Uint8Array {
  const version = isIP(name);
  if (version === 0) return der(0x82, new TextEncoder().encode(name));
  return der(0x87, version === 4 ? ipv4Bytes(name) : ipv6Bytes(name));
}

function ipv4Bytes(address: string): Uint8Array {
  return new Uint8Array(address.split(".").map(Number));
}

function ipv6Bytes(address: string): Uint8Array {
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const text = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const [head, tail] = text.split("::") as [string, string?];
  const groups = (part?: string) => part ? part.split(":").map((g) => parseInt(g, 16)) : [];
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return new Uint8Array(all.flatMap((group) => [group >> 8, group & 0xff]));
}

/** The SHA-1 of the key's subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1), DER. */
async function keyIdentifier(publicKey: CryptoKey): Promise<Uint8Array> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  return der(TAG.octetString, await publicKeyHash(spki));
}

async function publicKeyHash(spki: Uint8Array): Promise<Uint8Array> {
  const [, key] = children(children(spki)[0]!.contents) as [Element, Element];
  // Past the BIT STRING's unused-bits byte.
  return new Uint8Array(await crypto.subtle.digest("SHA-1", key.contents.slice(1)));
}

/** What a leaf needs of its CA's certificate. */
export interface IssuerFacts {
  /** The CA's subject Name, DER: the leaves' issuer. */
  subject: Uint8Array;
  /** When the CA expires: no leaf outlives it. */
  notAfter: Date;
  /** The CA's key identifier: its subjectKeyIdentifier, else the hash of its key. */
  keyId: Uint8Array;
}

/**
 * Read a CA certificate (DER) for what its leaves need.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caExtensions, distinguishedName, issuerFacts, signCertificate } from "./_certificate.ts";
 * import { certificateDer } from "./_pem.ts";
 * const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
 * const name = distinguishedName("Test CA");
 * const notAfter = new Date("2031-01-02T03:04:05Z");
 * const pem = await signCertificate({
 *   serial: new Uint8Array([1]),
 *   issuer: name,
 *   subject: name,
 *   notBefore: new Date("2026-01-01T00:00:00Z"),
 *   notAfter,
 *   extensions: await caExtensions(keys.publicKey),
 * }, { publicKey: keys.publicKey, signingKey: keys.privateKey });
 * const facts = await issuerFacts(certificateDer(pem));
 * assert.deepEqual(facts.subject, name);
 * assert.deepEqual(facts.notAfter, notAfter);
 * assert.equal(facts.keyId.length, 20); // the SHA-1 subjectKeyIdentifier
 * ```
 *
 * @throws {SyntaxError} when the bytes are not a certificate.
 */
export async function issuerFacts(certificate: Uint8Array): Promise<IssuerFacts> {
  const tbs = children(children(certificate)[0]?.contents ?? new Uint8Array())[0];
  if (tbs?.tag !== TAG.sequence) throw new SyntaxError("Not a DER certificate");
  const fields = children(tbs.contents);
  // Without the [0] version (a v1 certificate) every field sits one place earlier.
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [validity, subject, spki] = [fields[at + 3], fields[at + 4], fields[at + 5]];
  if (!validity || !subject || !spki) throw new SyntaxError("Not a DER certificate");
  const notAfter = readTime(children(validity.contents)[1]);
  const extensions = fields.find((field) => field.tag === 0xa3);
  const keyId = extensions ? subjectKeyId(extensions) : undefined;
  return { subject: subject.whole, notAfter, keyId: keyId ?? await publicKeyHash(spki.whole) };
}

function subjectKeyId(extensions: Element): Uint8Array | undefined {
  for (const entry of children(children(extensions.contents)[0]?.contents ?? new Uint8Array())) {
    const [id, ...rest] = children(entry.contents);
    if (id && bytesEqual(id.whole, oid(EXTENSION.subjectKeyIdentifier))) {
      const value = children(rest.at(-1)!.contents)[0];
      return value?.contents;
    }
  }
  return undefined;
}

function readTime(element: Element | undefined): Date {
  const text = new TextDecoder().decode(element?.contents);
  const match = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (element === undefined || match === null) throw new SyntaxError("Unreadable certificate time");
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  // UTCTime years 50-99 are 19xx (RFC 5280 §4.1.2.5.1).
  const year = match[1]!.length === 4 ? y! : y! + (y! >= 50 ? 1900 : 2000);
  return new Date(Date.UTC(year, mo! - 1, d, h, mi, s));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
