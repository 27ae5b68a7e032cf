/**
 * The time and timers the resilient listener and its probes run on: the system's, or a test's
 * own, which can play a stall of any length without stalling the process.
 *
 * @module
 */

/** Which of the listener's timers this is (a test's clock tells them apart; the system's ignores it). */
export type ListenerTimer = "check" | "deadline" | "verdict" | "sort";

/** Time and timers for {@linkcode ResilientListener}. */
export interface ListenerClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Call `fn` once after `ms`; returns an id for {@linkcode ListenerClock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number, timer: ListenerTimer): unknown;
  /** Cancel a timer (an unknown or undefined id is ignored). */
  clearTimeout(id: unknown): void;
}

/** The process's own clock and timers. */
export const systemClock: ListenerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout> | undefined),
};
