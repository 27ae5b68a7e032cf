/**
 * Holder lookups in a sandbox's process tree, on the event loop but bounded: the lookups that
 * wait together share one read of the tree.
 *
 * @module
 */

import { HolderScanner, type ScanAnswer } from "./_holder_scanner.ts";
import type { ProcessTable } from "./_process_table.ts";

/** What a tree scan reads: the tree below a root, and who holds which socket in it. */
export type TreeTable = Pick<ProcessTable, "tree" | "holdersAmong">;

/**
 * Finds every holder of a socket inode among a root process and its descendants.
 *
 * Why not one read per lookup: each lookup reads every descriptor of the tree, so a sandbox
 * that holds N sockets and opens N more connections at once had its proxy read N² descriptors,
 * one lookup after another, with no turn for its other connections. Here the reads go through
 * a {@linkcode HolderScanner} on this thread: a small tree is read at once, as before (the
 * answer comes within the same turn of the event loop); a read that takes a millisecond or
 * more is followed by a turn of the event loop, and every lookup that arrived meanwhile is
 * answered by the next read, so the reads grow with time, not with connections; a tree of
 * more than 64 processes is read in slices with a turn every 5 ms.
 */
export class TreeScan {
  #scanner: HolderScanner;
  #waiting = new Map<number, PromiseWithResolvers<number[]>>();
  #nextId = 0;

  /**
   * @param table The process table (a test's fake counts its reads).
   * @param root The tree's root when a scan starts; none: nobody is searched.
   */
  constructor(table: TreeTable, root: () => number | undefined) {
    const pidsNewestFirst = () => {
      const pid = root();
      return pid === undefined ? [] : table.tree(pid) ?? [];
    };
    const holdersAmong = table.holdersAmong.bind(table);
    this.#scanner = new HolderScanner(
      { pidsNewestFirst, holdersAmong },
      (answer) => this.#answer(answer),
      { turnBetweenScans: true },
    );
  }

  /** Every pid of the tree holding `socket:[inode]`, newest first (empty: none). */
  holders(inode: number): Promise<number[]> {
    const waiter = Promise.withResolvers<number[]>();
    const id = this.#nextId++;
    this.#waiting.set(id, waiter);
    this.#scanner.lookup(id, inode);
    return waiter.promise;
  }

  /** Stop reading; the lookups still waiting fail. */
  close(): void {
    this.#scanner.close();
    this.#answer({ error: "identity resolver closed" });
  }

  #answer(answer: ScanAnswer): void {
    if ("error" in answer) {
      // The scanner dropped every lookup it held: fail them all.
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(answer.error));
      this.#waiting.clear();
      return;
    }
    for (const [id, pids] of answer.answers) {
      this.#waiting.get(id)?.resolve(pids);
      this.#waiting.delete(id);
    }
  }
}
