/**
 * Sequential timing for the control-plane rows: one untimed warm-up, then `count` runs one
 * after another, each giving its own latency.
 *
 * @module
 */

import type { Sample } from "./report.ts";
import { summarize } from "./stats.ts";

/**
 * Run `warmUp` once untimed (its failure ignored: it only pays Git, module and stream
 * warm-up), then `once(0..count-1)` in turn. Each run returns its latency in ms; a run that
 * throws counts as an error, and the first error's message is kept. The wall time starts
 * after the warm-up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeRuns } from "./time_runs.ts";
 *
 * const sample = await timeRuns(3, () => Promise.reject(new Error("cold")), (i) =>
 *   i === 1 ? Promise.reject(new Error("second run failed")) : Promise.resolve(2));
 * assert.equal(sample.samples, 2);
 * assert.equal(sample.errors, 1);
 * assert.equal(sample.firstError, "second run failed");
 * ```
 */
export async function timeRuns(
  count: number,
  warmUp: () => Promise<unknown>,
  once: (i: number) => Promise<number>,
): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  await warmUp().catch(() => {});
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    try {
      latencies.push(await once(i));
    } catch (error) {
      errors++;
      firstError ??= (error as Error).message;
    }
  }
  return {
    ...summarize(latencies, performance.now() - start),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}
