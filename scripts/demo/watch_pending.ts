/**
 * Hand each new pending proposal of a policies directory to a reviewer, one at a time, as
 * soon as its patch file appears.
 *
 * @module
 */

import { join } from "node:path";

const PATCH = /^(.+)\.patch$/;

/**
 * Watch `policiesDir/pending` until `signal` aborts, calling `review(id, patchText)` once per
 * new proposal, in the order they appear.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchPending } from "./watch_pending.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/pending`);
 * await Deno.writeTextFile(`${dir}/pending/p-0001.patch`, "the patch\n");
 * const stop = new AbortController();
 * const seen: string[] = [];
 * await watchPending(dir, stop.signal, (id) => {
 *   seen.push(id);
 *   stop.abort(); // one proposal is enough here
 *   return Promise.resolve();
 * });
 * assert.deepEqual(seen, ["p-0001"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function watchPending(
  policiesDir: string,
  signal: AbortSignal,
  review: (id: string, patch: string) => Promise<void>,
): Promise<void> {
  const pending = join(policiesDir, "pending");
  await Deno.mkdir(pending, { recursive: true });
  const watcher = Deno.watchFs(pending);
  signal.addEventListener("abort", () => watcher.close(), { once: true });
  const done = new Set<string>();
  const scan = async () => {
    for (const entry of await Array.fromAsync(Deno.readDir(pending))) {
      const id = PATCH.exec(entry.name)?.[1];
      if (!id || done.has(id) || !entry.isFile) continue;
      done.add(id);
      const text = await Deno.readTextFile(join(pending, entry.name)).catch(() => undefined);
      if (text !== undefined) await review(id, text);
    }
  };
  await scan();
  for await (const _event of watcher) {
    if (signal.aborted) break;
    await scan();
  }
}
