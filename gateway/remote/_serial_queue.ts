/**
 * The one-at-a-time order of a `RemoteSync`'s syncs and decisions, and a way for a reader to wait
 * for what is queued to end without waiting on itself.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Runs work in order, one piece at a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SerialQueue } from "./_serial_queue.ts";
 * const queue = new SerialQueue();
 * const order: string[] = [];
 * const slow = queue.run(async () => {
 *   await Promise.resolve();
 *   order.push("sync");
 *   await queue.settled(); // from inside the work: at once, never waiting on itself
 * });
 * await queue.settled();
 * order.push("read");
 * await slow;
 * assert.deepEqual(order, ["sync", "read"]);
 * ```
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #inside = new AsyncLocalStorage<true>();

  /** Run `fn` after everything queued before it (whether that succeeded or not). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const step = () => this.#inside.run(true, fn);
    const next = this.#tail.then(step, step);
    this.#tail = next.catch(() => {});
    return next;
  }

  /**
   * Resolves once the work queued now has ended; at once when called from inside queued work
   * (a decision that reads its own proposal would otherwise wait for itself).
   */
  settled(): Promise<void> {
    if (this.#inside.getStore()) return Promise.resolve();
    return this.#tail.then(() => {});
  }
}
