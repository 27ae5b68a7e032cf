/**
 * The worker that reads every process's descriptors for `HolderScan`, so that a proxy without
 * a sandbox (no process tree to search) keeps serving its other clients while the whole
 * process table is read (100 ms and more at 2,000 processes). It takes `{procRoot}` once,
 * then `{id, inode}` per lookup, and answers `{answers: [id, pids newest first][]}` or
 * `{error}` (the scans themselves: `_holder_scanner.ts`).
 *
 * @module
 */

import { LazyLibc } from "./_libc.ts";
import { ProcessTable } from "./_process_table.ts";
import { HolderScanner } from "./_holder_scanner.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Message>) => void) | null;
  postMessage(message: unknown): void;
};

type Message = { procRoot: string } | { id: number; inode: number };

const scanner: { current?: HolderScanner } = {};
scope.onmessage = (event) => {
  const message = event.data;
  try {
    if ("procRoot" in message) {
      // Released with the worker's isolate: the worker lives as long as its resolver.
      const table = new ProcessTable(message.procRoot, { libc: new LazyLibc() });
      scanner.current = new HolderScanner(table, (answer) => scope.postMessage(answer));
    } else scanner.current!.lookup(message.id, message.inode);
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
