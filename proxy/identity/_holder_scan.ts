/**
 * Host-wide socket holder lookups off the event loop: a Worker reads every process's
 * descriptors, and every lookup that arrives while it reads waits for the next scan, which
 * answers them all at once.
 *
 * @module
 */

type Waiter = PromiseWithResolvers<number[]>;
type Answer = { holders: [number, number[]][] } | { error: string };

/**
 * Finds every holder of a socket inode among all processes of a procfs mount, in a Worker.
 *
 * Why a worker: without a sandbox there is no process tree to narrow the search, and no
 * kernel index from a socket to its holders, so every process's descriptors must be read to
 * find them all (a second holder is `ambiguous_identity`, never ignored). Done on the event
 * loop that costs every other client the whole scan (100-500 ms at 2,000 processes); in the
 * worker it delays only the connections being identified.
 *
 * Why batches: a scan costs the same for one inode or many. While one scan runs, new lookups
 * queue; the next scan starts when it ends and answers the whole queue, so the number of
 * scans stays bounded by time, not by the connection rate. A lookup joins only a scan that
 * starts after it was asked: a holder read before the socket existed would be missed.
 *
 * The worker starts at the first lookup; {@linkcode HolderScan.close} ends it.
 */
export class HolderScan {
  #procRoot: string;
  #worker: Worker | undefined;
  #queued = new Map<number, Waiter[]>();
  #scanning: Map<number, Waiter[]> | undefined;
  #closed = false;

  constructor(procRoot: string) {
    this.#procRoot = procRoot;
  }

  /** Every pid holding `socket:[inode]`, newest first (empty: nobody holds it). */
  holders(inode: number): Promise<number[]> {
    if (this.#closed) return Promise.reject(new Error("identity resolver closed"));
    const waiter = Promise.withResolvers<number[]>();
    const waiters = this.#queued.get(inode) ?? [];
    waiters.push(waiter);
    this.#queued.set(inode, waiters);
    this.#next();
    return waiter.promise;
  }

  /** End the worker; lookups still waiting fail. */
  close(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    const error = new Error("identity resolver closed");
    this.#settle(this.#scanning, error);
    this.#settle(this.#queued, error);
    this.#scanning = undefined;
    this.#queued = new Map();
  }

  #next(): void {
    if (this.#scanning !== undefined || this.#queued.size === 0) return;
    this.#scanning = this.#queued;
    this.#queued = new Map();
    this.#worker ??= this.#start();
    this.#worker.postMessage({ procRoot: this.#procRoot, inodes: [...this.#scanning.keys()] });
  }

  #start(): Worker {
    const worker = new Worker(new URL("./_holder_scan_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<Answer>) => {
      const answer = event.data;
      this.#settle(
        this.#scanning,
        "error" in answer ? new Error(`cannot read ${this.#procRoot}: ${answer.error}`) : answer,
      );
      this.#scanning = undefined;
      this.#next();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      // A worker that failed to start or crashed: fail what waits, start afresh next time.
      worker.terminate();
      this.#worker = undefined;
      this.#settle(this.#scanning, new Error(`socket holder scan failed: ${event.message}`));
      this.#scanning = undefined;
      this.#next();
    };
    return worker;
  }

  #settle(
    batch: Map<number, Waiter[]> | undefined,
    outcome: Error | { holders: [number, number[]][] },
  ): void {
    if (batch === undefined) return;
    const found = outcome instanceof Error ? undefined : new Map(outcome.holders);
    for (const [inode, waiters] of batch) {
      for (const waiter of waiters) {
        if (found === undefined) waiter.reject(outcome);
        else waiter.resolve(found.get(inode) ?? []);
      }
    }
  }
}
