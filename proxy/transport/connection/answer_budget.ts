/**
 * What the proxy may hold of answers on their way to HTTP/2 clients. Each answer stream
 * relayed from an origin holds bytes the client has not read: what the origin may send into
 * the stream's receive window (256 KiB, `h2_windows.ts`), what Deno's `node:http2` reads
 * ahead past a paused stream, and what waits in the client stream's own buffer (64 KiB high
 * water mark, plus the piece that filled it). Each stream is bounded, but a client that opens
 * 100 streams on each of many sessions and reads nothing made the product unbounded: 10
 * sessions of 100 streams took a proxy from +0 to +592 MB of RSS, and the connection cap (512)
 * allowed several GB.
 *
 * So an answer stream reserves {@linkcode ANSWER_STREAM_HOLD} before its request goes
 * upstream, first in its session's share ({@linkcode SESSION_ANSWER_SHARE}: past it the stream
 * waits for one of its session's own answers to end, however long), then in the proxy-wide
 * budget (past it the stream waits up to `waitMs`, then is refused with RST_STREAM
 * REFUSED_STREAM, which clients retry: the request was not processed). A session that holds
 * nothing may always take one stream beyond the proxy-wide budget, so that a client that
 * holds the whole budget never stops other clients' answers: what answers hold is at most the
 * budget plus one stream per session.
 *
 * @module
 */

import type { Http2Stream } from "node:http2";
import { BodyBudget, BodyBudgetSpentError } from "../../wire/mod.ts";
import { H2_STREAM_WINDOW } from "./h2_windows.ts";

/** Default proxy-wide bytes of answers held for HTTP/2 clients (eight sessions' shares). */
export const DEFAULT_ANSWER_BUDGET_BYTES = 64 * 1024 * 1024;
/** Default longest wait of an answer stream for room in the proxy-wide budget. */
export const DEFAULT_ANSWER_BUDGET_WAIT_MS = 10_000;

/**
 * What one answer stream is counted for: its upstream window, what `node:http2` reads ahead
 * of a paused stream and the client stream's buffer (64 KiB each, measured: a stream whose
 * client reads nothing took 336 KiB of an origin's bytes), with 64 KiB to spare.
 */
export const ANSWER_STREAM_HOLD = H2_STREAM_WINDOW + 3 * 64 * 1024;

/**
 * The most one client session's answers may reserve at once: 18 streams (the 16 a session of
 * `deno task bench`'s 64 streams on 4 sessions opens fit); its further streams wait.
 */
export const SESSION_ANSWER_SHARE = 8 * 1024 * 1024;

/** An answer stream the proxy-wide budget had no room for in time: refused, never sent. */
export class AnswerRefusedError extends Error {
  /** The error's name. */
  override name = "AnswerRefusedError";
  /** The refusal, with its message. */
  constructor() {
    super("The proxy holds as many answers as it may; the request was not sent");
  }
}

/** Options of {@linkcode AnswerBudget}. */
export interface AnswerBudgetOptions {
  /** Bytes all sessions' answers may reserve together (default 64 MiB). */
  limitBytes?: number;
  /** Longest wait for room before the stream is refused (default 10 s). */
  waitMs?: number;
}

/**
 * The proxy-wide budget of answer bytes, shared by every HTTP/2 client session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANSWER_STREAM_HOLD, AnswerBudget } from "./answer_budget.ts";
 *
 * const budget = new AnswerBudget({ limitBytes: ANSWER_STREAM_HOLD, waitMs: 10 });
 * const share = budget.share();
 * const first = await share.reserve(); // the session held nothing: always admitted
 * const second = await share.reserve(); // from the budget
 * assert.equal(budget.held, 2 * ANSWER_STREAM_HOLD);
 * assert.equal(await share.reserve(), undefined); // budget spent: refused after 10 ms
 * first?.();
 * second?.();
 * assert.equal(budget.held, 0);
 * ```
 */
export class AnswerBudget {
  #shared: BodyBudget;
  #floors = 0;

  /** A budget with `options` (the defaults otherwise). */
  constructor(options: AnswerBudgetOptions = {}) {
    this.#shared = new BodyBudget({
      limitBytes: options.limitBytes ?? DEFAULT_ANSWER_BUDGET_BYTES,
      waitMs: options.waitMs ?? DEFAULT_ANSWER_BUDGET_WAIT_MS,
    });
  }

  /** Bytes reserved by answer streams now (the budget's and every session's first stream). */
  get held(): number {
    return this.#shared.held + this.#floors * ANSWER_STREAM_HOLD;
  }

  /** Bytes the sessions' further streams may reserve together. */
  get limit(): number {
    return this.#shared.limit;
  }

  /** Streams waiting for room in the proxy-wide budget now. */
  get waiting(): number {
    return this.#shared.waiting;
  }

  /** A client session's share, holding nothing yet. */
  share(): AnswerShare {
    return new AnswerShare(this.#shared, (delta) => this.#floors += delta);
  }
}

/**
 * One client session's answer streams: reserved one stream at a time, in order, within
 * {@linkcode SESSION_ANSWER_SHARE} and the proxy-wide budget.
 */
export class AnswerShare {
  #shared: BodyBudget;
  #floor: (delta: number) => void;
  #streams = 0;
  #floored = false;
  #waiters: (() => void)[] = [];

  /** A share of `shared` (see {@linkcode AnswerBudget.share}). */
  constructor(shared: BodyBudget, floor: (delta: number) => void) {
    this.#shared = shared;
    this.#floor = floor;
  }

  /** Bytes this session's answer streams hold. */
  get held(): number {
    return this.#streams * ANSWER_STREAM_HOLD;
  }

  /**
   * Reserve one stream's hold: the release (call it once the stream closed), or undefined when
   * the proxy-wide budget had no room in time (refuse the stream) or `gone` settled while it
   * waited for its session's share (the stream closed).
   */
  async reserve(gone?: Promise<unknown>): Promise<(() => void) | undefined> {
    let left = false;
    gone?.then(() => (left = true, this.#wake()));
    while (this.held + ANSWER_STREAM_HOLD > SESSION_ANSWER_SHARE) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      if (left) return undefined;
    }
    this.#streams++;
    if (!this.#floored) {
      // The session's first stream is never kept waiting by other sessions' answers.
      this.#floored = true;
      this.#floor(1);
      return this.#releaser(() => (this.#floored = false, this.#floor(-1)));
    }
    const lease = this.#shared.lease();
    try {
      await lease.grow(ANSWER_STREAM_HOLD);
    } catch (error) {
      this.#streams--;
      this.#wake();
      if (error instanceof BodyBudgetSpentError) return undefined;
      throw error;
    }
    return this.#releaser(() => lease.release());
  }

  /** Wake every waiter when a stream gives its hold back (each checks again). */
  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #releaser(give: () => void): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#streams--;
      give();
      this.#wake();
    };
  }
}

/**
 * Reserve `stream`'s answer hold in `share` until the stream closes (no share: nothing to
 * reserve). False when the stream closed meanwhile: its request is not to be sent.
 *
 * @throws {AnswerRefusedError} When the proxy-wide budget had no room in time.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AnswerBudget, holdAnswer } from "./answer_budget.ts";
 * import { h2Exchange } from "../examples/mod.ts";
 *
 * const budget = new AnswerBudget();
 * await h2Exchange(async (stream) => {
 *   assert.equal(await holdAnswer(budget.share(), stream), true);
 *   assert.ok(budget.held > 0); // until the stream closes
 *   stream.respond({ ":status": 204 }, { endStream: true });
 * });
 * assert.equal(budget.held, 0);
 * ```
 */
export async function holdAnswer(
  share: AnswerShare | undefined,
  stream: Http2Stream,
): Promise<boolean> {
  if (share === undefined) return true;
  const closed = stream.closed || stream.destroyed
    ? Promise.resolve()
    : new Promise((resolve) => stream.once("close", resolve));
  const release = await share.reserve(closed);
  if (stream.closed || stream.destroyed) return void release?.(), false;
  if (release === undefined) throw new AnswerRefusedError();
  stream.once("close", release);
  return true;
}
