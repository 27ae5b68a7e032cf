/**
 * The HTTP/1.1 upstream connections one HTTP/2 client session may use at once. Each of its
 * up to 100 streams would otherwise hold a connection of its own to an HTTP/1.1 origin: a
 * client that reads nothing (a zero flow-control window) on a dozen sessions held the
 * proxy's every file descriptor, and nobody else was answered. The first lane is the
 * session's own (a client connection is counted as two descriptors); each further lane takes
 * a slot of the proxy's connection cap, and a stream waits when none is left.
 *
 * @module
 */

/** Gives a slot of the connection cap (and the function that gives it back), if one is free. */
export type SlotSource = () => (() => void) | undefined;

/** Streams waiting for a lane, counted over every session that shares the tally. */
export interface LaneTally {
  /** Streams waiting now. */
  waiting: number;
}

/** At most this many HTTP/1.1 connections per session, as browsers open per origin. */
export const MAX_LANES = 6;

/**
 * Lanes of one session: {@linkcode acquire} waits for a lane, the function it returns gives
 * it back (to the next waiting stream first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamLanes } from "./upstream_lanes.ts";
 *
 * let slots = 1; // the proxy-wide cap has one slot left
 * const take = () => slots > 0 ? (slots--, () => void slots++) : undefined;
 * const lanes = new UpstreamLanes(take);
 * const first = await lanes.acquire(); // the session's own lane
 * const second = await lanes.acquire(); // takes the last slot
 * assert.equal(slots, 0);
 * let third = false;
 * const waiting = lanes.acquire().then((release) => (third = true, release));
 * await Promise.resolve();
 * assert.equal(third, false); // no lane and no slot: it waits
 * second(); // handed over, slot and all
 * (await waiting)();
 * first();
 * assert.equal(slots, 1);
 * ```
 */
export class UpstreamLanes {
  #slots: SlotSource;
  #max: number;
  #open = 0;
  #waiting: ((lane: Lane) => void)[] = [];
  #tally: LaneTally;

  /**
   * Lanes that take further slots from `slots`, at most `max` at once; the streams waiting
   * for one are counted in `tally` too (the proxy's, over all sessions).
   */
  constructor(slots: SlotSource, max: number = MAX_LANES, tally: LaneTally = { waiting: 0 }) {
    this.#slots = slots;
    this.#max = max;
    this.#tally = tally;
  }

  /** A lane, once one is free; call the function returned to give it back (once). */
  acquire(): Promise<() => void> {
    const lane = this.#open === 0 ? {} : this.#open < this.#max ? this.#slotLane() : undefined;
    if (lane !== undefined) {
      this.#open++;
      return Promise.resolve(this.#releaser(lane));
    }
    this.#tally.waiting++;
    return new Promise((resolve) => {
      this.#waiting.push((handed) => {
        this.#tally.waiting--;
        resolve(this.#releaser(handed));
      });
    });
  }

  /** A further lane, when the proxy's connection cap has a slot for it. */
  #slotLane(): Lane | undefined {
    const giveBack = this.#slots();
    return giveBack === undefined ? undefined : { giveBack };
  }

  #releaser(lane: Lane): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next !== undefined) return next(lane);
      this.#open--;
      lane.giveBack?.();
    };
  }
}

/** One lane; a borrowed one gives its slot back when it closes. */
interface Lane {
  giveBack?: () => void;
}
