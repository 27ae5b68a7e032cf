/**
 * The longest wait of the event loop while some work runs: what the reload-wait row reports.
 * A file of its own so that the row's child process (`reload_wait_child.ts`) loads the probe
 * without the gateway that the scale fixtures import.
 *
 * @module
 */

/**
 * Run `work` while a 1 ms timer keeps asking for the event loop; returns how much later than
 * asked it got it at worst (ms): what a request arriving then would have waited.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { longestWait } from "./longest_wait.ts";
 *
 * const busy = new Promise((resolve) => setTimeout(resolve, 30)).then(() => {
 *   const end = performance.now() + 50;
 *   while (performance.now() < end); // hold the event loop 50 ms
 * });
 * assert.ok(await longestWait(busy) >= 40);
 * ```
 */
export async function longestWait(work: Promise<unknown>): Promise<number> {
  let done = false;
  const finished = work.finally(() => done = true);
  let worst = 0;
  while (!done) {
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1));
    worst = Math.max(worst, performance.now() - t0 - 1);
  }
  await finished;
  return worst;
}
