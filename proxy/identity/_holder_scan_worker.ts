/**
 * The worker that reads every process's descriptors for `HolderScan`, so that a proxy without
 * a sandbox (no process tree to search) keeps serving its other clients while the whole
 * process table is read (100 ms and more at 2,000 processes). It takes `{procRoot}` once,
 * then `{id, inode}` per lookup, and answers `{answers: [id, pids newest first][]}` or
 * `{error}`.
 *
 * @module
 */

import { LazyLibc } from "./_libc.ts";
import { ProcessTable } from "./_process_table.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Message>) => void) | null;
  postMessage(message: unknown): void;
};

type Message = { procRoot: string } | { id: number; inode: number };
type Lookup = { id: number; inode: number; early: number[] };

// Clients are mostly young processes: while a scan runs, these are read as soon as a lookup
// arrives, so a holder that closes its socket before the next scan reaches it still counts.
const EARLY_PIDS = 64;
// The scan reads this many processes between looks at the clock. At least EARLY_PIDS: a
// scan's first slice stands in for the early read of the lookups that started it.
const SLICE_PIDS = 64;
// Every this many ms of reading, the scan turns the worker's event loop on a timer, so that
// lookups arriving meanwhile get their early read and queue for the next scan. Not with
// setImmediate: in Deno it runs without polling the host's messages, which then waited for the
// whole scan (delivery p50 15 ms, up to 57 ms, at 2,000 processes; the early read came after
// the client had closed, and 119-153 of 200 short connections had no holder). A timer turn
// costs about 2 ms, so it is taken only this often.
const TURN_MS = 5;

/** The scans of one worker: lookups queued for the next full scan, and whether one runs. */
class Scanner {
  #table: ProcessTable;
  #queued: Lookup[] = [];
  #scanning = false;

  constructor(procRoot: string) {
    // Released with the worker's isolate: the worker lives as long as its resolver.
    this.#table = new ProcessTable(procRoot, { libc: new LazyLibc() });
  }

  /**
   * Queue `inode` for the next full scan. When none runs, that scan starts now and reads its
   * first slice (the newest processes) before this returns, which is all an early read
   * would do, so each process is read once. While one runs, the next starts only when it
   * ends: the newest processes are read for `inode` at once.
   */
  lookup(id: number, inode: number): void {
    this.#queued.push({ id, inode, early: this.#scanning ? this.#early(inode) : [] });
    if (!this.#scanning) void this.#scanQueued();
  }

  #early(inode: number): number[] {
    const pids = this.#table.pidsNewestFirst().slice(0, EARLY_PIDS);
    return this.#table.holdersAmong([inode], pids).get(inode) ?? [];
  }

  /** Full scans until no lookup waits; each lookup joins the first scan that starts after it. */
  async #scanQueued(): Promise<void> {
    this.#scanning = true;
    try {
      while (this.#queued.length > 0) {
        const batch = this.#queued;
        this.#queued = [];
        const found = await this.#scanAll(batch.map((lookup) => lookup.inode));
        const answers = batch.map((lookup) => {
          const pids = new Set([...lookup.early, ...(found.get(lookup.inode) ?? [])]);
          return [lookup.id, [...pids].sort((a, b) => b - a)];
        });
        scope.postMessage({ answers });
      }
    } catch (error) {
      // The host fails every lookup it is waiting on when it hears this: drop them here too.
      this.#queued = [];
      reportError(error);
    } finally {
      this.#scanning = false;
    }
  }

  async #scanAll(inodes: number[]): Promise<Map<number, number[]>> {
    const pids = this.#table.pidsNewestFirst();
    const found = new Map<number, number[]>();
    let turned = performance.now();
    for (let start = 0; start < pids.length; start += SLICE_PIDS) {
      const slice = pids.slice(start, start + SLICE_PIDS);
      for (const [inode, holders] of this.#table.holdersAmong(inodes, slice)) {
        found.set(inode, [...found.get(inode) ?? [], ...holders]);
      }
      // Not after the last slice: the answer need not wait for one more turn of the loop.
      const more = start + SLICE_PIDS < pids.length;
      if (more && performance.now() - turned > TURN_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        turned = performance.now();
      }
    }
    return found;
  }
}

function reportError(error: unknown): void {
  scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
}

const scanner: { current?: Scanner } = {};
scope.onmessage = (event) => {
  const message = event.data;
  try {
    if ("procRoot" in message) scanner.current = new Scanner(message.procRoot);
    else scanner.current!.lookup(message.id, message.inode);
  } catch (error) {
    reportError(error);
  }
};
