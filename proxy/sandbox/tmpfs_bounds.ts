/**
 * The size of each tmpfs a netns sandbox gets. A tmpfs is memory, by default up to half of the
 * machine's each, and its pages outlive the process that wrote them (the OOM killer ending the
 * writer frees none): three unbounded ones would let one sandbox fill the machine. Each is cut
 * to a share of the sandbox's memory bound, together less than it, so that a full one answers
 * `ENOSPC` to the writer before the memory cgroup (where there is one) runs out.
 *
 * @module
 */

/** `mount -o` size options for the sandbox's own /tmp, /dev/shm and runtime folder. */
export interface TmpfsBounds {
  /** Its /tmp (under a `filesystem_policy`): half the memory bound, systemd's 1M inodes. */
  tmp: string;
  /** Its /dev/shm: a quarter (Chromium and Python's multiprocessing share memory there). */
  shm: string;
  /** Its `XDG_RUNTIME_DIR`: sockets and small state only, 64 MiB at most. */
  runtime: string;
}

/**
 * The tmpfs size options for a sandbox bounded to `maxMemoryMb` MiB. Inodes are bounded too:
 * each costs kernel memory that `size=` does not count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tmpfsBounds } from "./tmpfs_bounds.ts";
 *
 * assert.deepEqual(tmpfsBounds(8192), {
 *   tmp: "size=4096m,nr_inodes=1m",
 *   shm: "size=2048m,nr_inodes=64k",
 *   runtime: "size=64m,nr_inodes=16k",
 * });
 * assert.equal(tmpfsBounds(256).runtime, "size=16m,nr_inodes=16k");
 * ```
 */
export function tmpfsBounds(maxMemoryMb: number): TmpfsBounds {
  const share = (part: number, most = Infinity) =>
    Math.max(1, Math.min(most, Math.floor(maxMemoryMb * part)));
  return {
    tmp: `size=${share(1 / 2)}m,nr_inodes=1m`,
    shm: `size=${share(1 / 4)}m,nr_inodes=64k`,
    runtime: `size=${share(1 / 16, 64)}m,nr_inodes=16k`,
  };
}
