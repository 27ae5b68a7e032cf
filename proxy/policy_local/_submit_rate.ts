/**
 * The rate of one sandbox's proposal submits: a token bucket of `submitBurst` tokens that
 * refills `submitsPerSecond`.
 *
 * @module
 */

import { POLICY_LOCAL_LIMITS as LIMITS } from "./limits.ts";

/**
 * A token bucket for submits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SubmitRate } from "./_submit_rate.ts";
 *
 * let now = 0;
 * const rate = new SubmitRate(() => now, { burst: 2, perSecond: 1 });
 * assert.equal(rate.take(), 0);
 * assert.equal(rate.take(), 0);
 * assert.equal(rate.take(), 1); // refused: one second until the next token
 * now = 1000;
 * assert.equal(rate.take(), 0);
 * ```
 */
export class SubmitRate {
  #now: () => number;
  #burst: number;
  #perSecond: number;
  #tokens: number;
  #at: number;

  /** A full bucket; `now` is in milliseconds. */
  constructor(
    now: () => number = () => performance.now(),
    size: { burst: number; perSecond: number } = {
      burst: LIMITS.submitBurst,
      perSecond: LIMITS.submitsPerSecond,
    },
  ) {
    this.#now = now;
    this.#burst = size.burst;
    this.#perSecond = size.perSecond;
    this.#tokens = size.burst;
    this.#at = now();
  }

  /** Take a token: 0 when granted, else the whole seconds until one is there. */
  take(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) / 1000 * this.#perSecond);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perSecond));
  }
}
