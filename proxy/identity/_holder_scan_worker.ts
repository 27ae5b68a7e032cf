/**
 * The worker that reads every process's descriptors for `HolderScan`, so that a proxy without
 * a sandbox (no process tree to search) keeps serving its other clients while the whole
 * process table is read (100 ms and more at 2,000 processes). It answers each
 * `{procRoot, inodes}` with `{holders: [inode, pids newest first][]}` or `{error}`.
 *
 * @module
 */

import { ProcessTable } from "./_process_table.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<{ procRoot: string; inodes: number[] }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const { procRoot, inodes } = event.data;
  try {
    const table = new ProcessTable(procRoot);
    scope.postMessage({ holders: [...table.holdersAmong(inodes, table.pidsNewestFirst())] });
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
