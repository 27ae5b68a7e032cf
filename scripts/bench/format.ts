/**
 * Number formatting for the benchmark table: latencies with a unit chosen by magnitude,
 * rates with thousands separators, ratios.
 *
 * @module
 */

/**
 * A duration given in microseconds, as "0.42 µs", "85 µs", "2.10 ms" or "1.20 s".
 *
 * @example
 * ```ts
 * formatMicros(2100); // "2.10 ms"
 * ```
 */
export function formatMicros(us: number | undefined): string {
  if (us === undefined || Number.isNaN(us)) return "–";
  const abs = Math.abs(us);
  if (abs < 10) return `${us.toFixed(2)} µs`;
  if (abs < 1000) return `${us.toFixed(0)} µs`;
  if (abs < 1_000_000) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/**
 * A rate, rounded, with a thin grouping: "12 345", or "1.2 M" above a million.
 *
 * @example
 * ```ts
 * formatRate(12345.6); // "12 346"
 * ```
 */
export function formatRate(perSec: number | undefined): string {
  if (perSec === undefined || Number.isNaN(perSec)) return "–";
  if (perSec >= 1_000_000) return `${(perSec / 1_000_000).toFixed(1)} M`;
  return Math.round(perSec).toString().replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/**
 * A ratio as a multiplier: "0.41×".
 *
 * @example
 * ```ts
 * formatRatio(0.4123); // "0.41×"
 * ```
 */
export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || Number.isNaN(ratio)) return "";
  return `${ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(0)}×`;
}
