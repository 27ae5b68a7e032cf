/**
 * The approval lock of a policies directory: an exclusive `flock` on `.tollgate.lock`. The
 * kernel drops it when its holder exits or is killed, so a crash never leaves a stale lock;
 * two processes (or two stores in one process) approving at once run one after the other.
 *
 * @module
 */

import { join } from "node:path";
import { excludeLocalFiles } from "./git_repo.ts";

/** The lock file's name inside the policies directory. */
export const LOCK_FILE = ".tollgate.lock";

/**
 * Run `fn` while holding the directory's exclusive lock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withDirectoryLock } from "./directory_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const order: string[] = [];
 * const held = Promise.withResolvers<void>();
 * const release = Promise.withResolvers<void>();
 * const first = withDirectoryLock(dir, async () => {
 *   order.push("first in");
 *   held.resolve();
 *   await release.promise;
 *   order.push("first out");
 * });
 * await held.promise;
 * const second = withDirectoryLock(dir, () => Promise.resolve(order.push("second")));
 * await new Promise((resolve) => setTimeout(resolve, 20)); // the second holder waits meanwhile
 * order.push("released");
 * release.resolve();
 * await Promise.all([first, second]);
 * assert.deepEqual(order, ["first in", "released", "first out", "second"]); // one after the other
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withDirectoryLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const file = await Deno.open(join(dir, LOCK_FILE), { read: true, write: true, create: true });
  try {
    await file.lock(true);
    // Empty only when just made (later holders leave their pid): made here, so excluded here,
    // or a person's `git add .` in the policy repository would take it.
    if ((await file.stat()).size === 0) await excludeLocalFiles(dir);
    // The pid is for a person wondering who holds the lock; the kernel does the locking.
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    return await fn();
  } finally {
    // Closing the descriptor releases the flock.
    file.close();
  }
}
