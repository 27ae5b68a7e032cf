/**
 * Small statistics over latency samples: percentiles, medians and a per-run summary.
 *
 * @module
 */

/** The summary of one bounded load run. Latencies are in microseconds. */
export interface RunStats {
  /**
   * Requests per second of time spent in requests, the slowest 1 % left out: one request at
   * a time, this is 1 / (trimmed mean latency). On a quiet machine it equals the wall-clock
   * rate; on a shared one it is not at the mercy of a few scheduler stalls.
   */
  reqPerSec: number;
  /** Completed requests per second of wall time (stalls included). */
  reqPerSecWall: number;
  /** Median latency, µs. */
  p50Us: number;
  /** 99th-percentile latency, µs. */
  p99Us: number;
  /** Number of timed samples. */
  samples: number;
}

/**
 * The nearest-rank percentile of `values` (need not be sorted); NaN when empty.
 *
 * @example
 * ```ts
 * percentile([3, 1, 2], 50); // 2
 * ```
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * The median of `values`, ignoring NaN; NaN when nothing is left.
 *
 * @example
 * ```ts
 * median([5, 1, 3]); // 3
 * ```
 */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/**
 * Summarise per-request latencies (milliseconds, as `performance.now()` gives them) measured
 * over `elapsedMs` of wall time.
 *
 * @example
 * ```ts
 * summarize([0.05, 0.06, 0.07], 0.2).p50Us; // 60
 * ```
 */
export function summarize(latenciesMs: ArrayLike<number>, elapsedMs: number): RunStats {
  return {
    reqPerSec: steadyRate(latenciesMs),
    reqPerSecWall: elapsedMs > 0 ? (latenciesMs.length / elapsedMs) * 1000 : NaN,
    p50Us: percentile(latenciesMs, 50) * 1000,
    p99Us: percentile(latenciesMs, 99) * 1000,
    samples: latenciesMs.length,
  };
}

/** Share of the slowest samples {@linkcode steadyRate} leaves out. */
export const STALL_TRIM = 0.01;

/**
 * The rate of one-at-a-time operations taking `durationsMs` each, without the slowest 1 %:
 * `1000 / trimmedMean`. NaN when empty.
 *
 * @example
 * ```ts
 * steadyRate([1, 1, 1, 500]); // 1000: the 500 ms stall is the slowest 1 % (rounded up)
 * ```
 */
export function steadyRate(durationsMs: ArrayLike<number>): number {
  if (durationsMs.length === 0) return NaN;
  const sorted = Float64Array.from(durationsMs).sort();
  const keep = Math.max(1, sorted.length - Math.ceil(sorted.length * STALL_TRIM));
  let sum = 0;
  for (let i = 0; i < keep; i++) sum += sorted[i]!;
  return sum > 0 ? (keep * 1000) / sum : NaN;
}
