/**
 * `HoldingWatcher`: a `DirectoryWatcher` that can hold back what it publishes while a decision
 * is not final yet. With a remote, an approval is final only once the remote accepted its
 * push: until then the new policy file on disk is a candidate that a lost race or an
 * unreachable remote rolls back, and no proxy may enforce it.
 *
 * @module
 */

import { DirectoryWatcher } from "../events/mod.ts";
import type { PublishedPolicy } from "../client/mod.ts";

/**
 * A directory watcher whose offers and scans wait while `hold()` runs; one scan follows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventHub } from "../events/mod.ts";
 * import { HoldingWatcher } from "./holding_watcher.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nrevision: 1\n");
 * const hub = new EventHub();
 * const watcher = new HoldingWatcher({ policiesDir: dir, hub });
 * await watcher.start();
 * const published: unknown[] = [];
 * const sub = hub.subscribe((event) => void published.push(event.data.revision));
 * await watcher.hold(async () => {
 *   await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nrevision: 2\n");
 *   await watcher.rescan(); // held: publishes nothing yet
 *   assert.deepEqual(published, []);
 * });
 * assert.deepEqual(published, [2]); // the scan after the hold
 * sub.unsubscribe();
 * await watcher.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class HoldingWatcher extends DirectoryWatcher {
  #holds = 0;

  /** Publish `snapshot` now, unless held (the scan after the hold reads the file). */
  override offer(snapshot: PublishedPolicy): void {
    if (this.#holds === 0) super.offer(snapshot);
  }

  /** Scan now, unless held (the scan after the hold covers it). */
  override rescan(): Promise<void> {
    return this.#holds === 0 ? super.rescan() : Promise.resolve();
  }

  /** Run `fn` with publishing held, then scan once and publish what is on disk. */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    this.#holds++;
    try {
      return await fn();
    } finally {
      this.#holds--;
      if (this.#holds === 0) await super.rescan();
    }
  }
}
