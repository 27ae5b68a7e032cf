/**
 * One lazy timer per stream, for the head and body read limits of `ByteStream`.
 *
 * @module
 */

/**
 * A deadline that keeps one timer armed: moving the deadline later (every keep-alive request)
 * only updates a number, and the timer re-arms itself when it fires early. A timer per head
 * cost ~8 % of the proxy's CPU at one request at a time.
 */
export class LazyDeadline {
  #deadline = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #expired = false;
  #onExpire: () => void;

  /** `onExpire` runs once the current deadline has passed. */
  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /** True once the deadline last set has passed. */
  get expired(): boolean {
    return this.#expired;
  }

  /** Expire `ms` from now (replacing any earlier deadline). */
  set(ms: number): void {
    const at = performance.now() + ms;
    this.#deadline = at;
    this.#expired = false;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.stop();
    this.#arm(at, ms);
  }

  /** Drop the deadline but keep the timer armed for the next one (a keep-alive stream). */
  cancel(): void {
    this.#deadline = Infinity;
  }

  /** Drop the deadline and the timer. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(at: number, delay = at - performance.now()): void {
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      if (this.#deadline === Infinity) return;
      const left = this.#deadline - performance.now();
      // Timers may fire a little early: re-arm for what is left of a deadline moved later.
      if (left > 1) return this.#arm(this.#deadline);
      this.#expired = true;
      this.#onExpire();
    }, Math.max(0, delay));
  }
}
