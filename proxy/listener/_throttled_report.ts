/**
 * Trouble reported at most once per interval, with a count of what was held back: a listener
 * short of descriptors meets the same trouble many times a second.
 *
 * @module
 */

/** Passes a message on at most once per `intervalMs`; counts the ones held back. */
export class ThrottledReport {
  readonly #hear: ((message: string) => void) | undefined;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastReport = -Infinity;
  #unreported = 0;

  /** Report to `hear` (nowhere when absent), at most once per `intervalMs` (10 s) of `now`. */
  constructor(
    hear: ((message: string) => void) | undefined,
    intervalMs = 10_000,
    now: () => number = () => performance.now(),
  ) {
    this.#hear = hear;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Pass `message` on, with the count held back since the last one, unless too soon. */
  say(message: string): void {
    const now = this.#now();
    if (now - this.#lastReport < this.#intervalMs) {
      this.#unreported++;
      return;
    }
    const more = this.#unreported > 0 ? ` (${this.#unreported} similar messages suppressed)` : "";
    this.#lastReport = now;
    this.#unreported = 0;
    this.#hear?.(message + more);
  }
}
