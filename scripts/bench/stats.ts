/**
 * Small statistics over latency samples: percentiles, medians and a per-run summary.
 *
 * @module
 */

/** The summary of one bounded load run. Latencies are in microseconds. */
export interface RunStats {
  /** Completed requests per second of wall time. */
  reqPerSec: number;
  p50Us: number;
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
    reqPerSec: elapsedMs > 0 ? (latenciesMs.length / elapsedMs) * 1000 : NaN,
    p50Us: percentile(latenciesMs, 50) * 1000,
    p99Us: percentile(latenciesMs, 99) * 1000,
    samples: latenciesMs.length,
  };
}
