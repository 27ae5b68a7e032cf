/**
 * A token bucket: the one rate limiter the proxy uses wherever a sandbox could make it do
 * costly work in a loop (minting denial certificates, submitting proposals).
 *
 * @module
 */

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens at most, and at the start: what may be taken at once after a quiet spell. */
  burst: number;
  /** Tokens added per second, up to `burst`. */
  perSecond: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

/**
 * A full bucket of `burst` tokens that refills `perSecond`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenBucket } from "./token_bucket.ts";
 *
 * let now = 0;
 * const bucket = new TokenBucket({ burst: 2, perSecond: 1, now: () => now });
 * assert.ok(bucket.take());
 * assert.ok(bucket.take());
 * assert.ok(!bucket.take()); // refused
 * assert.equal(bucket.secondsToNext(), 1);
 * now = 1000;
 * assert.ok(bucket.take());
 * // spend() takes past empty: the debt is paid back before the next token.
 * assert.equal(bucket.spend(2), 2000); // 2 tokens short at 1 a second
 * now = 3000;
 * assert.equal(bucket.spend(0), 0);
 * ```
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #refilled: number;

  /** A full bucket. */
  constructor(options: TokenBucketOptions) {
    this.#burst = options.burst;
    this.#perSecond = options.perSecond;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.burst;
    this.#refilled = this.#now();
  }

  /** Take a token if there is one. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Take `amount` even past empty (a debt the refill pays back first); the ms until the bucket
   * is out of debt, 0 when it is not in debt.
   */
  spend(amount: number): number {
    this.#refill();
    this.#tokens -= amount;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#perSecond) * 1000;
  }

  /** Whole seconds (at least 1) until a token is there, for a refusal to name. */
  secondsToNext(): number {
    this.#refill();
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perSecond));
  }

  #refill(): void {
    const now = this.#now();
    const added = ((now - this.#refilled) / 1000) * this.#perSecond;
    this.#tokens = Math.min(this.#burst, this.#tokens + added);
    this.#refilled = now;
  }
}
