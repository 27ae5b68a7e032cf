/**
 * One proxy-wide byte budget for request bodies held whole in memory (a chunked body decoded
 * before it goes upstream, a GraphQL body judged before it is decided, an HTTP/2 stream's body
 * for an HTTP/1.1 origin, a policy.local body). Each cap is per exchange (16 MiB at most), and
 * the proxy runs outside the sandbox's memory bound: 64 connections each holding a chunked body
 * just short of 16 MiB took a proxy from 74 MB to 1.16 GB of RSS, and the 512 allowed would take
 * 8 GiB. Every buffer reserves its bytes here before it grows and gives them back when its
 * exchange ends, however it ends; a buffer that finds the budget spent waits (its client is not
 * read meanwhile, so TCP or HTTP/2 flow control holds the client back) and, past a deadline,
 * is answered 503 with `Retry-After`.
 *
 * @module
 */

/** Default budget: eight bodies at the largest cap (16 MiB), whatever the connection count. */
export const DEFAULT_BODY_BUDGET_BYTES = 128 * 1024 * 1024;
/** Default longest wait for room in the budget before the 503. */
export const DEFAULT_BODY_BUDGET_WAIT_MS = 10_000;
/** The `Retry-After` (seconds) of the 503 answering a body the budget had no room for. */
export const BODY_BUDGET_RETRY_AFTER_S = 5;

/** Options of {@linkcode BodyBudget}. */
export interface BodyBudgetOptions {
  /** Bytes all held bodies may take together (default 128 MiB). */
  limitBytes?: number;
  /** Longest wait for room before {@linkcode BodyBudgetSpentError} (default 10 s). */
  waitMs?: number;
}

/** A body the budget had no room for in time: answered 503 with `Retry-After`. */
export class BodyBudgetSpentError extends Error {
  /** The class's name, for logs and `instanceof`-free checks. */
  override name = "BodyBudgetSpentError";
  /** The error with its fixed message. */
  constructor() {
    super(
      `The proxy holds as many request bodies as it may; retry in ${BODY_BUDGET_RETRY_AFTER_S} s`,
    );
  }
}

interface Waiter {
  lease: BodyLease;
  bytes: number;
  grant: () => void;
  fail: () => void;
}

/**
 * The budget shared by every connection of one proxy; waiters are served first come, first
 * served, so a large body is not starved by small ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BodyBudget, BodyBudgetSpentError } from "./body_budget.ts";
 *
 * const budget = new BodyBudget({ limitBytes: 100, waitMs: 50 });
 * const first = budget.lease();
 * await first.grow(80);
 * const second = budget.lease();
 * const waiting = second.grow(40); // no room: waits for the first to end
 * first.release();
 * await waiting;
 * assert.equal(budget.held, 40);
 * await assert.rejects(budget.lease().grow(70), BodyBudgetSpentError); // 50 ms, no room
 * second.release();
 * assert.equal(budget.held, 0);
 * ```
 */
export class BodyBudget {
  /** Bytes all held bodies may take together. */
  readonly limit: number;
  /** Longest wait for room, ms. */
  readonly waitMs: number;
  #held = 0;
  #waiters: Waiter[] = [];

  /** A budget of `options.limitBytes` (default 128 MiB), waiting up to `options.waitMs`. */
  constructor(options: BodyBudgetOptions = {}) {
    this.limit = options.limitBytes ?? DEFAULT_BODY_BUDGET_BYTES;
    this.waitMs = options.waitMs ?? DEFAULT_BODY_BUDGET_WAIT_MS;
    if (!(this.limit > 0) || !(this.waitMs >= 0)) {
      throw new RangeError(
        `Body budget needs a positive size and a wait of 0 ms or more, got ${this.limit} bytes and ${this.waitMs} ms`,
      );
    }
  }

  /** Bytes reserved by bodies now. */
  get held(): number {
    return this.#held;
  }

  /** Bodies waiting for room now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** A new claim, holding nothing yet; one per exchange. */
  lease(): BodyLease {
    return new BodyLease(this);
  }

  /** @internal Reserve at once when there is room and nobody waits before. */
  tryTake(bytes: number): boolean {
    if (this.#waiters.length > 0 || this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  /** @internal Queue for room; settles with the grant or the deadline's failure. */
  wait(lease: BodyLease, bytes: number): Promise<void> {
    if (bytes > this.limit) return Promise.reject(new BodyBudgetSpentError());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.fail(), this.waitMs);
      const leave = () => {
        clearTimeout(timer);
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      };
      const waiter: Waiter = {
        lease,
        bytes,
        grant: () => (leave(), this.#held += bytes, resolve()),
        fail: () => (leave(), reject(new BodyBudgetSpentError()), this.#serve()),
      };
      this.#waiters.push(waiter);
    });
  }

  /** @internal Give `bytes` back and let waiters in. */
  give(bytes: number): void {
    this.#held -= bytes;
    this.#serve();
  }

  /** @internal Drop a lease's waits (its exchange ended while it waited). */
  abandon(lease: BodyLease): void {
    for (const waiter of this.#waiters.filter((w) => w.lease === lease)) waiter.fail();
  }

  #serve(): void {
    for (let next = this.#waiters[0]; next !== undefined; next = this.#waiters[0]) {
      if (this.#held + next.bytes > this.limit) return;
      next.grant();
    }
  }
}

/**
 * One exchange's reservation in a {@linkcode BodyBudget}: grown before its buffer grows,
 * released once when the exchange ends (released twice is harmless). A released lease grows
 * no more, so a read still running after its exchange ended cannot take budget back.
 */
export class BodyLease {
  #budget: BodyBudget;
  #held = 0;
  #released = false;

  /** A lease of `budget`, holding nothing (see {@linkcode BodyBudget.lease}). */
  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  /** Bytes this lease holds. */
  get held(): number {
    return this.#held;
  }

  /** True once released: it holds nothing and grows no more. */
  get released(): boolean {
    return this.#released;
  }

  /** Reserve `bytes` more if there is room now, without waiting. */
  tryGrow(bytes: number): boolean {
    if (this.#released || !this.#budget.tryTake(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  /**
   * Reserve `bytes` more, waiting for room up to the budget's deadline.
   *
   * @throws {BodyBudgetSpentError} When no room came in time (or the lease was released).
   */
  async grow(bytes: number): Promise<void> {
    if (this.tryGrow(bytes)) return;
    if (this.#released) throw new BodyBudgetSpentError();
    await this.#budget.wait(this, bytes);
    // Released while the grant was on its way: it goes straight back.
    if (this.#released) {
      this.#budget.give(bytes);
      throw new BodyBudgetSpentError();
    }
    this.#held += bytes;
  }

  /** Give back everything held, drop any wait, and grow no more. */
  release(): void {
    this.#released = true;
    this.#budget.abandon(this);
    const held = this.#held;
    this.#held = 0;
    if (held > 0) this.#budget.give(held);
  }
}
