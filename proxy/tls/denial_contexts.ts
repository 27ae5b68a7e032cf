/**
 * TLS contexts for telling a denial in-band, kept apart from interception's and rationed.
 *
 * @module
 */

import { createSecureContext, type SecureContext } from "node:tls";
import { LruMap } from "../lru/mod.ts";
import { TokenBucket } from "../rate/mod.ts";
import type { CertificateAuthority } from "./certificate_authority.ts";

/** Options of {@linkcode DenialContexts}. */
export interface DenialContextsOptions {
  /** New leaves minted per second, on average (cached hosts cost nothing). */
  mintsPerSecond?: number;
  /** New leaves that may be minted at once after a quiet spell. */
  burst?: number;
  /** Hosts whose contexts are kept. */
  maxCached?: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

const defaults = {
  mintsPerSecond: 10,
  burst: 20,
  maxCached: 256,
  now: () => performance.now(),
} satisfies Required<DenialContextsOptions>;

/**
 * Leaf contexts for hosts the policy denied. Any process in a sandbox can CONNECT to made-up
 * names, and each new name costs a signature (5-15 ms of the event loop here): minted freely,
 * a loop of such CONNECTs would stall every other client, and sharing interception's cache
 * would let it evict the contexts of allowed hosts. So denials get their own small cache and
 * a token bucket; over budget, `contextFor()` answers `undefined` and the caller falls back to
 * a plain CONNECT 403, which costs nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenialContexts } from "./denial_contexts.ts";
 * import { CertificateAuthority } from "./certificate_authority.ts";
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * const contexts = new DenialContexts(ca, { burst: 1, mintsPerSecond: 0.001 });
 * const minted = contexts.contextFor("a.example");
 * assert(minted !== undefined, "the first is minted");
 * assert.equal(contexts.contextFor("a.example"), minted, "a cached host is free");
 * assert.equal(contexts.contextFor("b.example"), undefined, "over budget");
 * await minted; // the mint runs on: let it finish before the CA's directory goes
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DenialContexts {
  readonly #ca: CertificateAuthority;
  readonly #options: Required<DenialContextsOptions>;
  readonly #contexts: LruMap<string, Promise<SecureContext>>;
  readonly #mints: TokenBucket;
  readonly #minting = new Set<Promise<unknown>>();
  #closed = false;

  /** Contexts minted by `ca`. */
  constructor(ca: CertificateAuthority, options: DenialContextsOptions = {}) {
    this.#ca = ca;
    this.#options = { ...defaults, ...options };
    this.#contexts = new LruMap(this.#options.maxCached);
    const { burst, mintsPerSecond, now } = this.#options;
    this.#mints = new TokenBucket({ burst, perSecond: mintsPerSecond, now });
  }

  /** The context for `host`, or `undefined` when minting a new one is over budget. */
  contextFor(host: string): Promise<SecureContext> | undefined {
    const cached = this.#contexts.get(host);
    if (cached !== undefined) return cached;
    if (this.#closed || !this.#mints.take()) return undefined;
    const context = this.#ca.mintLeaf(host).then((leaf) =>
      createSecureContext({ cert: leaf.chainPem, key: leaf.keyPem })
    );
    context.catch(() => this.#contexts.delete(host));
    this.#contexts.set(host, context);
    const settled = context.then(() => {}, () => {});
    this.#minting.add(settled);
    settled.then(() => this.#minting.delete(settled));
    return context;
  }

  /**
   * Mint no more, and resolve once the mints under way have ended: a proxy that closed left
   * its last denials' signatures running past its own end (a test's op sanitizer saw them).
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#minting);
  }
}
