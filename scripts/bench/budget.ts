/**
 * How much each measurement may take: `--quick` (CI smoke, under 60 s in total, one
 * repetition) or the full run (three repetitions, longer windows).
 *
 * @module
 */

/** Bounds of one load run (see `runLoad`). */
export interface LoadBounds {
  /** Timed requests at most. */
  maxRequests: number;
  /** Time budget of the timed phase, ms. */
  maxMs: number;
  /** Untimed warm-up requests. */
  warmup: number;
}

/** Every bound of a benchmark run. */
export interface Budget {
  /** Measurements per row (medians over these). */
  repetitions: number;
  /** Bounds of keep-alive rows. */
  keepAlive: LoadBounds;
  /** Bounds of new-connection rows. */
  newConnection: LoadBounds;
  /** Wall time per decide() row. */
  decideMs: number;
  /** Tunnels held open for the RSS row. */
  tunnels: number;
  /** Proposals submitted for the proposal → pending row. */
  proposals: number;
  /** Approvals timed for the approve → enforcing row. */
  approvals: number;
  /** Proxies subscribed to the gateway in the approve row. */
  subscribedProxies: number;
  /** Timed `sandbox run -- true` runs (each paired with a `true`). */
  sandboxRuns: number;
}

/**
 * The budget for a quick or a full run.
 *
 * @example
 * ```ts
 * budgetFor(true).repetitions; // 1
 * ```
 */
export function budgetFor(quick: boolean): Budget {
  return quick
    ? {
      repetitions: 1,
      keepAlive: { maxRequests: 4000, maxMs: 500, warmup: 100 },
      newConnection: { maxRequests: 300, maxMs: 500, warmup: 10 },
      decideMs: 200,
      tunnels: 200,
      proposals: 8,
      approvals: 3,
      subscribedProxies: 10,
      sandboxRuns: 5,
    }
    : {
      repetitions: 3,
      keepAlive: { maxRequests: 30_000, maxMs: 2500, warmup: 500 },
      newConnection: { maxRequests: 2000, maxMs: 2500, warmup: 30 },
      decideMs: 1000,
      tunnels: 200,
      proposals: 30,
      approvals: 15,
      subscribedProxies: 10,
      sandboxRuns: 20,
    };
}
