/**
 * The scans behind `HolderScan`'s worker: lookups queued for the next full scan of every
 * process's descriptors, and an early read of the newest processes for the lookups that
 * arrive while one runs. Folder-private; the worker (`_holder_scan_worker.ts`) owns the
 * channel, this class the order of the reads.
 *
 * @module
 */

import type { ProcessTable } from "./_process_table.ts";

/** What the scanner reads: the host's pids and who holds which socket among them. */
export type ScanTable = Pick<ProcessTable, "pidsNewestFirst" | "holdersAmong">;

/** What the scanner answers: each lookup's id with its holders, newest first, or an error. */
export type ScanAnswer = { answers: [number, number[]][] } | { error: string };

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
// With `turnBetweenScans`, a scan that read this long is followed by a timer turn before the
// next one starts, so that the lookups arriving meanwhile share that next scan: on the event
// loop, where no lookup arrives while a scan reads, each of a burst of N connections read the
// tree alone. (The worker needs none: its lookups arrive during its scans' turns.)
const BATCH_AFTER_MS = 1;

/** The scans of one worker: lookups queued for the next full scan, and whether one runs. */
export class HolderScanner {
  #table: ScanTable;
  #post: (answer: ScanAnswer) => void;
  #queued: Lookup[] = [];
  // Lookups that arrived during the running scan and wait for their early read.
  #unread: Lookup[] = [];
  #scanning = false;
  #closed = false;
  // The pending turn of the event loop, ended at once by close().
  #turn: { timer: ReturnType<typeof setTimeout>; end: () => void } | undefined;
  #turnBetweenScans: boolean;

  /**
   * @param table The process table read (the worker's `ProcessTable`; a test's fake).
   * @param post Receives each batch of answers, or the error that failed the waiting lookups.
   * @param options.turnBetweenScans Take a turn of the event loop after a scan of 1 ms or more
   *   (on the event loop itself, see `TreeScan`).
   */
  constructor(
    table: ScanTable,
    post: (answer: ScanAnswer) => void,
    options: { turnBetweenScans?: boolean } = {},
  ) {
    this.#table = table;
    this.#post = post;
    this.#turnBetweenScans = options.turnBetweenScans ?? false;
  }

  /**
   * Queue `inode` for the next full scan. When none runs, that scan starts now and reads its
   * first slice (the newest processes) before this returns, which is all an early read
   * would do, so each process is read once. While one runs, the next starts only when it
   * ends: the newest processes are read for `inode` at the running scan's next turn, once
   * for every lookup that arrived meanwhile. Read once per lookup, a burst of N connections
   * from one process read its N descriptors N times (300 idle connections: 307 early reads,
   * 8.2 s of the worker, and every connection opened meanwhile waited for them).
   */
  lookup(id: number, inode: number): void {
    const lookup = { id, inode, early: [] };
    this.#queued.push(lookup);
    if (this.#scanning) this.#unread.push(lookup);
    else void this.#scanQueued();
  }

  /** Stop: a pending turn ends now, no scan starts, and lookups still waiting get no answer. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#turn?.timer);
    this.#turn?.end();
  }

  /** The early read of the lookups that arrived since the last one: one read for them all. */
  #readEarly(): void {
    if (this.#unread.length === 0) return;
    const unread = this.#unread;
    this.#unread = [];
    const pids = this.#table.pidsNewestFirst().slice(0, EARLY_PIDS);
    const found = this.#table.holdersAmong(unread.map((lookup) => lookup.inode), pids);
    for (const lookup of unread) lookup.early = found.get(lookup.inode) ?? [];
  }

  /** Full scans until no lookup waits; each lookup joins the first scan that starts after it. */
  async #scanQueued(): Promise<void> {
    this.#scanning = true;
    try {
      while (this.#queued.length > 0 && !this.#closed) {
        // Lookups still unread join this scan, whose first slice reads the newest processes.
        this.#unread = [];
        const batch = this.#queued;
        this.#queued = [];
        const started = performance.now();
        const found = await this.#scanAll(batch.map((lookup) => lookup.inode));
        // Cut short by close(): a partial read is no answer.
        if (this.#closed) return;
        const answers = batch.map((lookup): [number, number[]] => {
          const pids = new Set([...lookup.early, ...(found.get(lookup.inode) ?? [])]);
          return [lookup.id, [...pids].sort((a, b) => b - a)];
        });
        this.#post({ answers });
        const long = performance.now() - started >= BATCH_AFTER_MS;
        if (long && this.#turnBetweenScans) await this.#timerTurn();
      }
    } catch (error) {
      // The host fails every lookup it is waiting on when it hears this: drop them here too.
      [this.#queued, this.#unread] = [[], []];
      this.#post({ error: error instanceof Error ? error.message : String(error) });
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
        await this.#timerTurn();
        if (this.#closed) break;
        this.#readEarly();
        turned = performance.now();
      }
    }
    return found;
  }

  #timerTurn(): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        this.#turn = undefined;
        resolve();
      };
      this.#turn = { timer: setTimeout(end, 0), end };
    });
  }
}
