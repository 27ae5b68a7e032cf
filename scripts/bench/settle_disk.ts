/**
 * Before a control-plane row: write out the dirty pages the data-plane rows left behind (their
 * proxies log every request, hundreds of MB in a full run), so that the row's own fsyncs wait
 * for its own few KB and not for that backlog. Measured here: a small fsync took 0.4–0.7 ms on
 * a quiet disk and 300–500 ms right after the data-plane rows.
 *
 * @module
 */

/**
 * Run `sync` and return how long it took, in ms (undefined when `sync` could not run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settleDisk } from "./settle_disk.ts";
 *
 * const ms = await settleDisk(); // undefined where `sync` cannot run
 * assert.ok(ms === undefined || ms >= 0);
 * ```
 */
export async function settleDisk(): Promise<number | undefined> {
  const t0 = performance.now();
  try {
    const { success } = await new Deno.Command("sync", { stdout: "null", stderr: "null" })
      .output();
    return success ? performance.now() - t0 : undefined;
  } catch {
    return undefined;
  }
}
