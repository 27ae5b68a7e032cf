/**
 * The sweep of transport repositories left behind by gateways that died without `close()`
 * (SIGKILL, a crash): each is named `tollgate-transport-<pid>-…` after the process that made
 * it, so one whose process is gone is no one's.
 *
 * @module
 */

import { join } from "node:path";

/**
 * The name prefix of the transport repository of process `pid`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transportPrefix } from "./_stale_transports.ts";
 * assert.equal(transportPrefix(42), "tollgate-transport-42-");
 * ```
 */
export function transportPrefix(pid: number): string {
  return `tollgate-transport-${pid}-`;
}

const NAME = /^tollgate-transport-(\d+)-/;

/**
 * Whether process `pid` runs, from `/proc`; undefined where there is no `/proc` to ask (then
 * nothing is swept: a live gateway's repository must never go).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processAlive } from "./_stale_transports.ts";
 * assert.notEqual(await processAlive(Deno.pid), false);
 * ```
 */
export async function processAlive(pid: number): Promise<boolean | undefined> {
  const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);
  if (!(await exists("/proc/self"))) return undefined;
  return await exists(`/proc/${pid}`);
}

/**
 * Remove the transport repositories in `tmpDir` whose process is gone: directories only
 * (never a symbolic link), owned by this user, never this process's; a failure leaves one in
 * place. Returns the removed paths.
 *
 * @param alive whether a process runs (undefined: cannot tell, keep it)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepStaleTransports } from "./_stale_transports.ts";
 * const tmp = await Deno.makeTempDir();
 * await Deno.mkdir(`${tmp}/tollgate-transport-4242-abc`);
 * const removed = await sweepStaleTransports(tmp, () => Promise.resolve(false));
 * assert.deepEqual(removed, [`${tmp}/tollgate-transport-4242-abc`]);
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export async function sweepStaleTransports(
  tmpDir: string,
  alive: (pid: number) => Promise<boolean | undefined> = processAlive,
): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of Deno.readDir(tmpDir)) {
    const pid = Number(NAME.exec(entry.name)?.[1]);
    if (!entry.isDirectory || !pid || pid === Deno.pid) continue;
    const path = join(tmpDir, entry.name);
    const info = await Deno.lstat(path).catch(() => undefined);
    // Another user's directory is not ours to judge (and a shared /tmp would not let us).
    if (!info?.isDirectory || (info.uid !== null && info.uid !== Deno.uid())) continue;
    if ((await alive(pid)) !== false) continue;
    await Deno.remove(path, { recursive: true }).then(() => removed.push(path), () => {});
  }
  return removed;
}
