/**
 * When a log may write on the caller's turn: a small synchronous append costs about a
 * microsecond, but on a disk that stalls (a journal commit behind other processes' fsyncs) it
 * holds the whole event loop, every connection with it. So one slow synchronous write sends
 * the writes of the next while through the runtime's file threads again.
 *
 * @module
 */

/** Options of {@linkcode SyncWrites}. */
export interface SyncWritesOptions {
  /**
   * A synchronous write longer than this (ms) is slow (default 50: on a busy CPU a write that
   * was merely preempted takes a few ms, and must not count).
   */
  slowMs?: number;
  /** After a slow one, no synchronous write for this long (ms, default 10 s). */
  pauseMs?: number;
  /** The clock (ms); `performance.now` by default. */
  now?: () => number;
}

/**
 * Times synchronous writes and says whether the next may be synchronous.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SyncWrites } from "./_sync_writes.ts";
 * let clock = 0;
 * const writes = new SyncWrites({ slowMs: 1, pauseMs: 100, now: () => clock });
 * writes.run(() => clock += 5);
 * assert.equal(writes.allowed, false);
 * clock += 100;
 * assert.equal(writes.allowed, true);
 * ```
 */
export class SyncWrites {
  readonly #slowMs: number;
  readonly #pauseMs: number;
  readonly #now: () => number;
  #pausedUntil = -Infinity;

  constructor(options: SyncWritesOptions = {}) {
    this.#slowMs = options.slowMs ?? 50;
    this.#pauseMs = options.pauseMs ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Whether a write may be synchronous now. */
  get allowed(): boolean {
    return this.#now() >= this.#pausedUntil;
  }

  /** Run a synchronous write, noting whether it was slow. */
  run<T>(write: () => T): T {
    const start = this.#now();
    try {
      return write();
    } finally {
      const end = this.#now();
      if (end - start > this.#slowMs) this.#pausedUntil = end + this.#pauseMs;
    }
  }
}
