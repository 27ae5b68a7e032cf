/**
 * The gateway's clean-up timer: a sweep at start-up, then one at the earliest expiry of any
 * scoped rule, re-armed whenever a policy changes. The proxies stop allowing a rule at its
 * expiry on their own; the sweep only removes it from the file with a commit.
 *
 * @module
 */

/** What the sweeper runs. */
export interface LeaseSweeperDeps {
  /** Remove every expired rule (one commit per policy). */
  sweep(): Promise<unknown>;
  /** The next expiry of any scoped rule, epoch ms; undefined when none expires. */
  nextExpiry(): Promise<number | undefined>;
  /** Clock. */
  now?(): number;
  /** Hears a sweep that failed (it is retried at the next tick). */
  onError?(error: unknown): void;
}

/** A timer never waits longer than this before looking again (setTimeout's range, and drift). */
const MAX_WAIT_MS = 6 * 60 * 60 * 1000;
/** After a failed sweep, the next try waits at least this long. */
const RETRY_MS = 30_000;

/**
 * Sweeps expired scoped rules at start-up and at each expiry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LeaseSweeper } from "./lease_sweeper.ts";
 * let sweeps = 0;
 * let expiry: number | undefined = undefined;
 * const sweeper = new LeaseSweeper({ sweep: () => Promise.resolve(sweeps++), nextExpiry: () => Promise.resolve(expiry) });
 * await sweeper.start(); // the start-up sweep; nothing expires, so no timer
 * assert.equal(sweeps, 1);
 * expiry = Date.now() + 20;
 * sweeper.rearm(); // a policy changed: a rule now expires in 20 ms
 * while (sweeps < 2) await new Promise((resolve) => setTimeout(resolve, 10));
 * expiry = undefined;
 * await sweeper.close();
 * ```
 */
export class LeaseSweeper {
  readonly #deps: LeaseSweeperDeps;
  #timer?: ReturnType<typeof setTimeout>;
  #running: Promise<void> = Promise.resolve();
  #closed = false;

  /** A sweeper over `deps`; nothing runs before `start()`. */
  constructor(deps: LeaseSweeperDeps) {
    this.#deps = deps;
  }

  /** Sweep now (start-up), then arm the timer. */
  start(): Promise<void> {
    return this.#run();
  }

  /** A policy changed: look again for the earliest expiry. */
  rearm(): void {
    if (this.#closed) return;
    this.#running = this.#running.then(() => this.#arm());
  }

  /** Stop the timer and wait for a sweep in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #run(): Promise<void> {
    this.#running = this.#running.then(async () => {
      if (this.#closed) return;
      let failed = false;
      const sweptAt = this.#now();
      try {
        await this.#deps.sweep();
      } catch (error) {
        failed = true;
        this.#deps.onError?.(error);
      }
      await this.#arm(failed ? RETRY_MS : 0, sweptAt);
    });
    return this.#running;
  }

  /** Set the timer for the next expiry; `sweptAt` is when the sweep just run started. */
  async #arm(atLeast = 0, sweptAt?: number): Promise<void> {
    if (this.#closed) return;
    const next = await this.#deps.nextExpiry().catch(() => undefined);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    const now = this.#now();
    // An expiry a sweep just left in place (a policy that does not load) is retried later,
    // not in a tight loop; one that came while it swept is due now.
    const stale = sweptAt !== undefined && next !== undefined && next <= sweptAt;
    const wait = next === undefined
      ? MAX_WAIT_MS
      : Math.max(next - now, atLeast, stale ? RETRY_MS : 0);
    // A sweep a few ms after the instant: the removal sees the rule as expired.
    this.#timer = setTimeout(() => void this.#run(), Math.min(wait + 5, MAX_WAIT_MS));
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }
}
