/**
 * The pace of one sandbox's audit log: a bucket of log bytes that its decisions spend, which
 * makes the next decision wait, not go unrecorded, once the sandbox has written more than its
 * share. Every denial stays an event of its own; a client that drives decisions faster than the
 * pace allows (HTTP/2 streams denied one after another on one connection, pipelined requests,
 * CONNECTs) is slowed to it, so it cannot fill the disk the log lives on at the rate it sends.
 *
 * @module
 */

import { TokenBucket } from "./token_bucket.ts";

/** Options of {@linkcode AuditPace}. */
export interface AuditPaceOptions {
  /** Log bytes a sandbox may write per second, on average. */
  bytesPerSecond: number;
  /** Log bytes it may write at once after a quiet spell (the bucket's size). */
  burstBytes: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

/**
 * The pace a sandbox's own proxy keeps unless told otherwise (`sandbox run`): 1 MiB a second
 * (about 2,700 allowed requests' events, or 700 denials'), 16 MiB at once. A shared proxy
 * (`proxy`, `up`) keeps none unless given one: its clients would share one bucket, and one of
 * them spending it would make every other wait.
 */
export const DEFAULT_AUDIT_PACE = {
  bytesPerSecond: 1024 * 1024,
  burstBytes: 16 * 1024 * 1024,
} as const satisfies AuditPaceOptions;

/**
 * A bucket of log bytes that may go into debt: a charge that finds it empty is still taken
 * (the event is written) and returns how long the caller waits before its next decision, so
 * the waits of many callers queue behind each other in the order they charged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuditPace } from "./audit_pace.ts";
 *
 * let now = 0;
 * const pace = new AuditPace({ bytesPerSecond: 1000, burstBytes: 1000, now: () => now });
 * assert.equal(pace.delayMs(600), 0);
 * assert.equal(pace.delayMs(600), 200); // 200 bytes of debt: 0.2 s at 1,000 a second
 * now = 200;
 * assert.equal(pace.delayMs(100), 100);
 * ```
 */
export class AuditPace {
  readonly #bytes: TokenBucket;
  readonly #waits = new Set<() => void>();

  /** A full bucket. */
  constructor(options: AuditPaceOptions) {
    const { burstBytes: burst, bytesPerSecond: perSecond, now } = options;
    this.#bytes = new TokenBucket({ burst, perSecond, now });
  }

  /** Spend `bytes`; the ms to wait before the next decision (0 while within the pace). */
  delayMs(bytes: number): number {
    return this.#bytes.spend(bytes);
  }

  /** Spend `bytes`; undefined within the pace, else a promise that settles when it is kept. */
  charge(bytes: number): Promise<void> | undefined {
    const ms = this.delayMs(bytes);
    if (ms <= 0) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waits.add(done);
    });
  }

  /** End every wait now (the proxy is closing). */
  close(): void {
    for (const done of [...this.#waits]) done();
  }
}
