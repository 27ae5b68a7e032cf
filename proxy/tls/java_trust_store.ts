/**
 * Certificates as a Java trust store. The JVM reads no CA variable and no PEM file: only a key
 * store (`javax.net.ssl.trustStore`, else the JDK's `cacerts`). This writes PEM certificates as
 * a PKCS #12 file of trusted certificates, which every JDK since 8 reads with no password.
 *
 * @module
 */

import { der, oid, sequence, smallInteger, TAG } from "./_der.ts";

/** PKCS #7 `data`: the content type of the store and of its one safe. */
const DATA = "1.2.840.113549.1.7.1";
/** PKCS #12 `certBag`. */
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";
/** PKCS #9 `x509Certificate`: the cert bag holds DER. */
const X509 = "1.2.840.113549.1.9.22.1";
/** PKCS #9 `friendlyName`: Java's alias of the entry. */
const FRIENDLY_NAME = "1.2.840.113549.1.9.20";
/**
 * Oracle's trusted-key-usage attribute: a cert bag without it (and without a key) is not a
 * trusted entry to the JDK, which then skips it.
 */
const TRUSTED_KEY_USAGE = "2.16.840.1.113894.746875.1.1";
/** X.509 `anyExtendedKeyUsage`: trusted for every purpose, as `keytool -importcert` marks it. */
const ANY_USAGE = "2.5.29.37.0";
/** ASN.1 BMPString (UTF-16BE), the type PKCS #12 gives a friendly name. */
const BMP_STRING = 0x1e;

const octets = (bytes: Uint8Array) => der(TAG.octetString, bytes);
const explicit0 = (inner: Uint8Array) => der(0xa0, inner);

/** A SET OF in DER order (its elements sorted by their encodings). */
function setOf(...elements: Uint8Array[]): Uint8Array {
  const compare = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i]! - b[i]!;
    }
    return a.length - b.length;
  };
  return der(TAG.set, ...[...elements].sort(compare));
}

function bmpString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) >> 8;
    bytes[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return der(BMP_STRING, bytes);
}

// The parts every bag shares, encoded once: a sandbox's start builds 100-odd bags.
const X509_OID = oid(X509);
const FRIENDLY_NAME_OID = oid(FRIENDLY_NAME);
const CERT_BAG_OID = oid(CERT_BAG);
const TRUSTED_FOR_ANY_USE = sequence(oid(TRUSTED_KEY_USAGE), setOf(oid(ANY_USAGE)));

/** One trusted certificate: a cert bag named `alias`, trusted for any use. */
function trustedCertBag(certificate: Uint8Array, alias: string): Uint8Array {
  const certBag = sequence(X509_OID, explicit0(octets(certificate)));
  const attributes = setOf(
    sequence(FRIENDLY_NAME_OID, setOf(bmpString(alias))),
    TRUSTED_FOR_ANY_USE,
  );
  return sequence(CERT_BAG_OID, explicit0(certBag), attributes);
}

/** The DER of every `CERTIFICATE` block of a PEM text, in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g);
  // fromBase64 skips ASCII white space itself, and takes a tenth of the time of atob() and a
  // byte per character (about 15 ms for Debian's 144 roots, at every sandbox's start).
  return [...blocks].map((block) => Uint8Array.fromBase64(block[1]!));
}

/**
 * A PKCS #12 trust store holding every certificate of `pem` (aliases `cert-1`, `cert-2`, …),
 * unencrypted and without a MAC: it holds no secret, and the JDK loads it with no password
 * (`-Djavax.net.ssl.trustStoreType=PKCS12`, no `trustStorePassword`).
 *
 * @param pem PEM text; anything outside its `CERTIFICATE` blocks is ignored.
 * @returns The DER of the store.
 * @throws {TypeError} When `pem` holds no certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rootCertificates } from "node:tls";
 * import { javaTrustStore } from "./java_trust_store.ts";
 * const store = javaTrustStore(rootCertificates.join("\n"));
 * assert.equal(store[0], 0x30); // a DER SEQUENCE: the PFX
 * ```
 */
export function javaTrustStore(pem: string): Uint8Array<ArrayBuffer> {
  const certificates = pemCertificates(pem);
  if (certificates.length === 0) {
    throw new TypeError("Cannot make a Java trust store: the PEM text holds no certificate");
  }
  const bags = certificates.map((der, i) => trustedCertBag(der, `cert-${i + 1}`));
  const safe = sequence(oid(DATA), explicit0(octets(sequence(...bags))));
  return sequence(smallInteger(3), sequence(oid(DATA), explicit0(octets(sequence(safe)))));
}
