/**
 * A clock for the listener's tests: time moves only when the test says, so a test can play a
 * stall of the process (timers running late, all at once) without stalling it.
 *
 * @module
 */

import type { ListenerClock, ListenerTimer } from "./listener_clock.ts";

interface Pending {
  due: number;
  fn: () => void;
  timer: ListenerTimer;
}

/** A {@linkcode ListenerClock} that a test moves by hand; it logs every timer set. */
export class TestClock implements ListenerClock {
  /** Every timer set, in order: which and for how long. */
  readonly set: { timer: ListenerTimer; ms: number }[] = [];
  #now = 0;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  /** The time now. */
  now(): number {
    return this.#now;
  }

  /** Set a timer; it runs in {@linkcode TestClock.advance} or {@linkcode TestClock.stall}. */
  setTimeout(fn: () => void, ms: number, timer: ListenerTimer): number {
    this.#pending.set(this.#nextId, { due: this.#now + ms, fn, timer });
    this.set.push({ timer, ms });
    return this.#nextId++;
  }

  /** Cancel a timer. */
  clearTimeout(id: unknown): void {
    this.#pending.delete(id as number);
  }

  /** How long until the first timer of this kind runs (undefined when none waits). */
  next(timer: ListenerTimer): number | undefined {
    const dues = [...this.#pending.values()].filter((p) => p.timer === timer).map((p) => p.due);
    return dues.length === 0 ? undefined : Math.min(...dues) - this.#now;
  }

  /** Resolves once no timer of this kind waits (cancelled, as when a probe is answered). */
  async none(timer: ListenerTimer): Promise<void> {
    while (this.next(timer) !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 1)); // real I/O goes on meanwhile
    }
  }

  /** Move on `ms`, running each timer at its own time, in order (the ones they set too). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let next = this.#first(end); next; next = this.#first(end)) {
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = end;
  }

  /** The process sleeps `ms`, then runs every timer due by then, late, in order. */
  stall(ms: number): void {
    this.#now += ms;
    this.advance(0);
  }

  #first(end: number): Pending | undefined {
    let first: [number, Pending] | undefined;
    for (const entry of this.#pending) {
      if (entry[1].due <= end && (first === undefined || entry[1].due < first[1].due)) {
        first = entry;
      }
    }
    if (first) this.#pending.delete(first[0]);
    return first?.[1];
  }
}
