/**
 * How many request bodies one HTTP/2 session may hold in the proxy's memory at once. A body
 * read whole (for a GraphQL endpoint, or for an HTTP/1.1 origin) may be 16 MiB; an HTTP/1.1
 * client reads one per connection, but a session's 100 streams were read all at once: one
 * connection made the proxy hold 1.6 GB. A stream waits for a slot before its body is read
 * (unread, its flow-control window holds the client back) and keeps it until it is answered.
 *
 * @module
 */

import { MAX_LANES } from "../../upstream/mod.ts";

/** Bodies one session may buffer at once: as many as it has HTTP/1.1 lanes. */
export const MAX_BUFFERED_BODIES = MAX_LANES;

/**
 * A counting semaphore of body slots, shared by the streams of one session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BodySlots } from "./_body_slots.ts";
 *
 * const slots = new BodySlots(1);
 * const first = slots.hold();
 * const second = slots.hold();
 * await first.take();
 * let taken = false;
 * const waiting = second.take().then(() => (taken = true));
 * await Promise.resolve();
 * assert.equal(taken, false); // one slot, held by the first stream
 * const third = slots.hold();
 * const leaving = third.take();
 * third.release(); // reset while it waited: it leaves the queue holding nothing
 * await leaving;
 * first.release();
 * await waiting;
 * assert.equal(taken, true);
 * second.release();
 * const fourth = slots.hold();
 * await fourth.take(); // free again: the third took nothing with it
 * fourth.release();
 * ```
 */
export class BodySlots {
  #free: number;
  #waiting: (() => void)[] = [];

  /** At most `max` bodies held at once. */
  constructor(max: number = MAX_BUFFERED_BODIES) {
    this.#free = max;
  }

  /** One stream's claim: taken (once) before its body is read, released when it is answered. */
  hold(): BodyHold {
    let state: "idle" | "waiting" | "held" | "released" = "idle";
    let taking: Promise<void> | undefined;
    let granted: (() => void) | undefined;
    let settle: (() => void) | undefined;
    return {
      take: () => {
        if (state !== "idle") return taking ?? Promise.resolve();
        taking = new Promise((resolve) => {
          settle = resolve;
          granted = () => {
            state = "held";
            resolve();
          };
          if (this.#free > 0) {
            this.#free--;
            return granted();
          }
          state = "waiting";
          this.#waiting.push(granted);
        });
        return taking;
      },
      release: () => {
        if (state === "held") this.#give();
        // Reset while it waited: it leaves the queue now (holding nothing), not when a slot frees.
        if (state === "waiting") this.#waiting.splice(this.#waiting.indexOf(granted!), 1);
        state = "released";
        settle?.();
      },
    };
  }

  #give(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}

/** A stream's claim on a body slot (see {@linkcode BodySlots.hold}). */
export interface BodyHold {
  /** Resolves once the stream holds a slot (at once when it already does). */
  take(): Promise<void>;
  /** Give the slot back (or drop the claim while it still waits); once is enough. */
  release(): void;
}
