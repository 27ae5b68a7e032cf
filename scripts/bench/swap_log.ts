/**
 * The policy swaps a proxy fleet reports (`fleet_child.ts`): which proxy enforces which revision
 * since when, and the wait for every proxy to enforce a revision that a timed step wrote.
 *
 * @module
 */

/** One swap a fleet proxy reported: its index, the revision, and when (epoch ms). */
export interface Swap {
  /** Index of the proxy in its fleet. */
  proxy: number;
  /** The revision it swapped in. */
  revision: number;
  /** When, in epoch ms (`performance.timeOrigin + performance.now()` in the proxy). */
  at: number;
}

/**
 * The newest revision each proxy of a fleet enforces, with the time it started to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SwapLog } from "./swap_log.ts";
 * const log = new SwapLog(1);
 * const since = Date.now();
 * const waited = log.waitFor(3, 1000, since);
 * log.add({ proxy: 0, revision: 3, at: since + 5 });
 * assert.deepEqual(await waited, [since + 5]);
 * ```
 */
export class SwapLog {
  #latest: { revision: number; at: number }[];
  #waiters = new Set<() => void>();

  /** A log for a fleet of `count` proxies, none of which has reported yet. */
  constructor(count: number) {
    this.#latest = Array.from({ length: count }, () => ({ revision: -1, at: 0 }));
  }

  /** Record a swap; an older or repeated revision of a proxy changes nothing. */
  add(swap: Swap): void {
    const current = this.#latest[swap.proxy];
    if (!current || swap.revision <= current.revision) return;
    this.#latest[swap.proxy] = { revision: swap.revision, at: swap.at };
    for (const waiter of [...this.#waiters]) waiter();
  }

  /**
   * Resolve with the time (epoch ms) at which each proxy enforced `revision`, once all of them
   * do. `since` is when the timed step that wrote `revision` started: a proxy that enforces
   * a newer revision, or `revision` from before `since`, follows another writer (another row's
   * gateway, a policy moved by someone else) and its time means nothing for this step.
   *
   * @throws {Error} after `timeoutMs`, or at once when a proxy follows another writer
   */
  waitFor(revision: number, timeoutMs: number, since: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const wrong = this.#foreign(revision, since);
        if (wrong) return finish(() => reject(new Error(wrong)));
        if (this.#latest.some((l) => l.revision < revision)) return;
        finish(() => resolve(this.#latest.map((l) => l.at)));
      };
      const timer = setTimeout(() => {
        const behind = this.#latest.filter((l) => l.revision < revision).length;
        finish(() =>
          reject(new Error(`${behind} proxies not at revision ${revision} after ${timeoutMs} ms`))
        );
      }, timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Why a proxy's latest swap cannot be this step's, or undefined. */
  #foreign(revision: number, since: number): string | undefined {
    for (const [proxy, latest] of this.#latest.entries()) {
      if (latest.revision > revision) {
        return `Proxy ${proxy} enforces revision ${latest.revision}, past the awaited ` +
          `${revision}: its policy has another writer`;
      }
      if (latest.revision === revision && latest.at < since) {
        return `Proxy ${proxy} enforced revision ${revision} ${
          (since - latest.at).toFixed(1)
        } ms before the step that wrote it began: it follows another writer`;
      }
    }
    return undefined;
  }
}
