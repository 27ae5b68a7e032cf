/**
 * The proxy's own certificate authority: created once per state directory, then used to mint
 * a leaf certificate for every host whose TLS the proxy terminates.
 *
 * @module
 */

import { createSecureContext, type SecureContext } from "node:tls";
import { join } from "node:path";
import { LruMap } from "../lru/mod.ts";
import { certificateDer, exportKeyPem, importKey, normalizedCertPem } from "./_pem.ts";
import {
  caExtensions,
  distinguishedName,
  type IssuerFacts,
  issuerFacts,
  leafExtensions,
  signCertificate,
} from "./_certificate.ts";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 30;
// Clocks inside sandboxes drift; a leaf valid from one hour ago avoids "not yet valid".
const BACKDATE_MS = 60 * 60 * 1000;

/**
 * How many hosts' TLS contexts a CA keeps (least recently used first out). A denied CONNECT
 * is answered in-band with a leaf for whatever host the client named, so without a bound a
 * sandbox could grow the cache by one entry per made-up name.
 */
export const MAX_CACHED_CONTEXTS = 1024;

/** Options of {@linkcode CertificateAuthority.loadOrCreate}. */
export interface CertificateAuthorityOptions {
  /** Hosts whose TLS context stays cached ({@linkcode MAX_CACHED_CONTEXTS} by default). */
  maxCachedContexts?: number;
}

/** A leaf certificate and the shared key it certifies, as PEM. */
export interface LeafCertificate {
  /** Leaf then CA certificate, PEM (the chain a TLS server presents). */
  chainPem: string;
  /** The shared leaf private key, PKCS#8 PEM. */
  keyPem: string;
}

/**
 * An ECDSA P-256 certificate authority kept in `STATE/ca/` (`ca.pem`, `ca.key` mode 0600).
 *
 * Leaf certificates share one key pair generated per process, so minting a host costs one
 * signature, not a key generation; each host's `SecureContext` is cached, and concurrent
 * requests for the same host share one mint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "./certificate_authority.ts";
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * assert(ca.certPem.startsWith("-----BEGIN CERTIFICATE-----"));
 * // The key is kept: a second load is the same CA, so clients keep trusting it.
 * assert.equal((await CertificateAuthority.loadOrCreate(dir)).certPem, ca.certPem);
 * // A leaf chain is leaf then CA; a host's TLS context is minted once, then cached.
 * assert.equal((await ca.mintLeaf("localhost")).chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
 * assert.equal(await ca.secureContextFor("a.test"), await ca.secureContextFor("a.test"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CertificateAuthority {
  /** Path of the CA certificate (PEM), the file clients must trust. */
  readonly certPath: string;
  /** The CA certificate, PEM with a final newline. */
  readonly certPem: string;
  #issuer: Promise<IssuerFacts> | undefined;
  #key: CryptoKey;
  #leafKeys: Promise<{ pair: CryptoKeyPair; pem: string }> | undefined;
  #contexts: LruMap<string, Promise<SecureContext>>;

  private constructor(certPath: string, certPem: string, key: CryptoKey, maxContexts: number) {
    this.certPath = certPath;
    this.#contexts = new LruMap(maxContexts);
    this.certPem = certPem;
    this.#key = key;
  }

  /**
   * Load the CA from `stateDir/ca/`, creating it (and the directory, mode 0700) on first run.
   *
   * @param stateDir The proxy's state directory.
   * @returns The loaded or new CA.
   * @throws {Error} When the files exist but cannot be parsed.
   */
  static async loadOrCreate(
    stateDir: string,
    options: CertificateAuthorityOptions = {},
  ): Promise<CertificateAuthority> {
    const dir = join(stateDir, "ca");
    const certPath = join(dir, "ca.pem");
    const keyPath = join(dir, "ca.key");
    if (!(await exists(certPath)) || !(await exists(keyPath))) {
      await createFiles(dir, certPath, keyPath);
    }
    const certPem = normalizedCertPem(await Deno.readTextFile(certPath), certPath);
    const key = await importKey(await Deno.readTextFile(keyPath));
    const max = options.maxCachedContexts ?? MAX_CACHED_CONTEXTS;
    return new CertificateAuthority(certPath, certPem, key, max);
  }

  /** How many hosts' TLS contexts are cached now. */
  get cachedContexts(): number {
    return this.#contexts.size;
  }

  /**
   * A TLS server context presenting a leaf certificate for `host` (DNS name or IP literal).
   *
   * @param host The host the client asked for (lower-cased by the caller).
   * @returns A cached `SecureContext` for `node:tls`.
   */
  secureContextFor(host: string): Promise<SecureContext> {
    const cached = this.#contexts.get(host);
    if (cached !== undefined) return cached;
    const context = this.mintLeaf(host).then((leaf) =>
      createSecureContext({ cert: leaf.chainPem, key: leaf.keyPem })
    );
    // A failed mint must not poison the cache for later connections.
    context.catch(() => this.#contexts.delete(host));
    this.#contexts.set(host, context);
    return context;
  }

  /**
   * Mint a fresh leaf certificate for `host` (or several names), signed by this CA (not
   * cached); test servers use it for their own certificates.
   *
   * @param host DNS name or IP literal, or a list of them, for the subject alternative names.
   * @returns The chain (leaf + CA) and the shared leaf key, PEM.
   */
  async mintLeaf(host: string | string[]): Promise<LeafCertificate> {
    const names = typeof host === "string" ? [host] : host;
    const issuer = await (this.#issuer ??= issuerFacts(certificateDer(this.certPem)));
    const leafKeys = await this.#sharedLeafKeys();
    const publicKey = leafKeys.pair.publicKey;
    const now = Date.now();
    const notAfter = Math.min(now + LEAF_VALIDITY_DAYS * DAY_MS, issuer.notAfter.getTime());
    const cert = await signCertificate({
      serial: randomSerial(),
      issuer: issuer.subject,
      subject: distinguishedName(names[0]!.slice(0, 64)),
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(notAfter),
      extensions: await leafExtensions(names, publicKey, issuer.keyId),
    }, { publicKey, signingKey: this.#key });
    return { chainPem: `${cert}\n${this.certPem}`, keyPem: leafKeys.pem };
  }

  #sharedLeafKeys(): Promise<{ pair: CryptoKeyPair; pem: string }> {
    this.#leafKeys ??= (async () => {
      const pair = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
      return { pair, pem: await exportKeyPem(pair.privateKey) };
    })();
    return this.#leafKeys;
  }
}

async function createFiles(dir: string, certPath: string, keyPath: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const now = Date.now();
  const name = distinguishedName("Tollgate local CA", "Tollgate");
  const cert = await signCertificate({
    serial: randomSerial(),
    issuer: name,
    subject: name,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    extensions: await caExtensions(keys.publicKey),
  }, { publicKey: keys.publicKey, signingKey: keys.privateKey });
  // Key first, each through a temporary file and a rename, so a reader never sees half a file
  // and a certificate never exists without its key.
  await writeAtomically(keyPath, await exportKeyPem(keys.privateKey), 0o600);
  await writeAtomically(certPath, `${cert}\n`, 0o644);
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temporary, text, { mode, createNew: true });
  await Deno.chmod(temporary, mode);
  await Deno.rename(temporary, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function randomSerial(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // A positive integer: DER serials are signed, and some verifiers reject negative ones.
  bytes[0] = bytes[0]! & 0x7f | 0x01;
  return bytes;
}
