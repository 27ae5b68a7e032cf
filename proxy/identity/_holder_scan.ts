/**
 * Host-wide socket holder lookups off the event loop: a Worker reads every process's
 * descriptors, and every lookup that arrives while it reads waits for the next scan, which
 * answers them all at once.
 *
 * @module
 */

type Waiter = PromiseWithResolvers<number[]>;
type Answer = { answers: [number, number[]][] } | { error: string };

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
 * starts after it was asked (a holder read before the socket existed would be missed), and the
 * 64 newest processes are read for it at once, so that a client that closes its socket before
 * the full scan reaches it still counts as its holder: by the scan itself when the worker is
 * idle (it starts at once, newest first), by an early read at the running scan's next turn
 * (one read for every lookup that arrived meanwhile).
 *
 * The worker starts at the first lookup, or at once with `eager` (see the constructor), and stays
 * for the resolver's life: a scan that fails
 * (procfs unreadable, no descriptor left) fails the lookups waiting and keeps the worker, because
 * starting a Worker while the process is out of descriptors aborts Deno, and a flood of
 * connections is exactly when that happens. Only a crashed worker is started afresh.
 * {@linkcode HolderScan.close} ends it.
 */
export class HolderScan {
  #procRoot: string;
  #startWorker: () => Worker;
  #worker: Worker | undefined;
  #waiting = new Map<number, Waiter>();
  #nextId = 0;
  #closed = false;

  /**
   * @param options.eager Start the worker now rather than at the first lookup: `new Worker`
   *   holds the calling thread until the worker's isolate is up (28-40 ms here, more under
   *   load), which at the first lookup every other client of the event loop waits out.
   * @param options.startWorker Starts the scan worker (a test counts the starts).
   */
  constructor(
    procRoot: string,
    options: { eager?: boolean; startWorker?: () => Worker } = {},
  ) {
    this.#procRoot = procRoot;
    this.#startWorker = options.startWorker ?? startScanWorker;
    if (options.eager) this.#worker = this.#start();
  }

  /** Every pid holding `socket:[inode]`, newest first (empty: nobody holds it). */
  holders(inode: number): Promise<number[]> {
    if (this.#closed) return Promise.reject(new Error("identity resolver closed"));
    const waiter = Promise.withResolvers<number[]>();
    const id = this.#nextId++;
    this.#waiting.set(id, waiter);
    this.#worker ??= this.#start();
    this.#worker.postMessage({ id, inode });
    return waiter.promise;
  }

  /** End the worker; lookups still waiting fail. */
  close(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#rejectWaiting(new Error("identity resolver closed"));
  }

  #start(): Worker {
    const worker = this.#startWorker();
    worker.onmessage = (event: MessageEvent<Answer>) => {
      const answer = event.data;
      if ("error" in answer) {
        // The worker dropped its queue with the failed scan: everything asked so far fails.
        return this.#rejectWaiting(new Error(`cannot read ${this.#procRoot}: ${answer.error}`));
      }
      for (const [id, pids] of answer.answers) {
        this.#waiting.get(id)?.resolve(pids);
        this.#waiting.delete(id);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      // A worker that failed to start or crashed: fail what waits, start afresh next time.
      worker.terminate();
      this.#worker = undefined;
      this.#rejectWaiting(new Error(`socket holder scan failed: ${event.message}`));
    };
    worker.postMessage({ procRoot: this.#procRoot });
    return worker;
  }

  #rejectWaiting(error: Error): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}

function startScanWorker(): Worker {
  return new Worker(new URL("./_holder_scan_worker.ts", import.meta.url), { type: "module" });
}
