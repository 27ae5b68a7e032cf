/**
 * The CA bundle as a Java trust store. The JVM reads no CA variable and no PEM file: only a
 * key store (`javax.net.ssl.trustStore`, else the JDK's `cacerts`), so a sandboxed `java`
 * trusted neither the proxy's certificates (netns mode: "PKIX path building failed") nor
 * anything else once told to use another store. This writes the bundle's certificates as a
 * PKCS #12 file of trusted certificates, which every JDK since 8 reads with no password, and
 * names it with the proxy in `JAVA_TOOL_OPTIONS`.
 *
 * @module
 */

import { join } from "node:path";

/**
 * The JDKs' shared trust stores, which netns mode covers with the sandbox's store so that a JVM
 * started without `JAVA_TOOL_OPTIONS` trusts the proxy too: Debian/Ubuntu's (a JDK's
 * `lib/security/cacerts` links there) and Fedora/RHEL's. Each JDK of these reads a PKCS #12
 * file there (`keystore.type.compat`), whatever type the file had.
 */
export const JAVA_TRUST_STORE_FILES: readonly string[] = [
  "/etc/ssl/certs/java/cacerts",
  "/etc/pki/ca-trust/extracted/java/cacerts",
];

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

/** DER's tag-length-value, with a definite length. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  const head = length < 128 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const sequence = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
const octets = (bytes: Uint8Array) => tlv(0x04, bytes);
const explicit0 = (inner: Uint8Array) => tlv(0xa0, inner);

/** A SET OF in DER order (its elements sorted by their encodings). */
function setOf(...elements: Uint8Array[]): Uint8Array {
  const compare = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i]! - b[i]!;
    }
    return a.length - b.length;
  };
  return tlv(0x31, ...[...elements].sort(compare));
}

function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc % 128];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      base128.unshift(0x80 | (value % 128));
    }
    bytes.push(...base128);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

/** A BMPString (UTF-16BE), the type PKCS #12 gives a friendly name. */
function bmpString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) >> 8;
    bytes[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return tlv(0x1e, bytes);
}

/** One trusted certificate: a cert bag named `alias`, trusted for any use. */
function trustedCertBag(der: Uint8Array, alias: string): Uint8Array {
  const certBag = sequence(oid(X509), explicit0(octets(der)));
  const attributes = setOf(
    sequence(oid(FRIENDLY_NAME), setOf(bmpString(alias))),
    sequence(oid(TRUSTED_KEY_USAGE), setOf(oid(ANY_USAGE))),
  );
  return sequence(oid(CERT_BAG), explicit0(certBag), attributes);
}

/** The DER of every `CERTIFICATE` block of a PEM text, in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g);
  return [...blocks].map((block) =>
    Uint8Array.from(atob(block[1]!.replace(/\s+/g, "")), (c) => c.charCodeAt(0))
  );
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
  const version = tlv(0x02, new Uint8Array([3]));
  const pfx = sequence(version, sequence(oid(DATA), explicit0(octets(sequence(safe)))));
  return new Uint8Array(pfx);
}

/**
 * Write `DIR/ca-bundle.p12`, the {@linkcode javaTrustStore} of the PEM bundle at `bundlePath`,
 * through a temporary file and a rename.
 *
 * @param dir The sandbox's `public/` directory (the command may read it).
 * @param bundlePath The merged bundle (system roots + the Tollgate CA).
 * @returns The store's path.
 */
export async function writeJavaTrustStore(dir: string, bundlePath: string): Promise<string> {
  const store = javaTrustStore(await Deno.readTextFile(bundlePath));
  const path = join(dir, "ca-bundle.p12");
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(temporary, store, { mode: 0o644, createNew: true });
    await Deno.chmod(temporary, 0o644);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  return path;
}

/**
 * The value of `JAVA_TOOL_OPTIONS` (which every JVM reads as it starts, and names on standard
 * error): the proxy as Java's system properties, loopback left out as `NO_PROXY` does, and the
 * trust store; `passed` (a value the runner passed with `--env`) follows, so its own properties
 * still apply.
 *
 * @param proxyUrl The proxy as the command sees it, e.g. `http://127.0.0.1:3128`.
 * @param storePath The {@linkcode writeJavaTrustStore} file.
 * @param passed The runner's own value, if any.
 * @returns The words, space-separated (a path with white space quoted, as the JVM reads it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { javaToolOptions } from "./java_trust_store.ts";
 * const value = javaToolOptions("http://127.0.0.1:3128", "/s/ca-bundle.p12", undefined);
 * assert.match(value, /^-Dhttp\.proxyHost=127\.0\.0\.1 -Dhttp\.proxyPort=3128 /);
 * ```
 */
export function javaToolOptions(
  proxyUrl: string,
  storePath: string,
  passed: string | undefined,
): string {
  const { hostname, port } = new URL(proxyUrl);
  // The JVM splits the variable at white space, and reads a quoted word whole.
  const quoted = (value: string) => /\s/.test(value) ? `"${value}"` : value;
  const words = [
    ...["http", "https"].flatMap((scheme) => [
      `-D${scheme}.proxyHost=${hostname.replace(/^\[|\]$/g, "")}`,
      `-D${scheme}.proxyPort=${port || "80"}`,
    ]),
    "-Dhttp.nonProxyHosts=localhost|127.*|[::1]",
    `-Djavax.net.ssl.trustStore=${quoted(storePath)}`,
    "-Djavax.net.ssl.trustStoreType=PKCS12",
  ];
  if (passed !== undefined) words.push(passed);
  return words.join(" ");
}
