/**
 * A long-lived Worker that answers numbered requests: the shape shared by the proxy's workers
 * that take work off its event loop (policy loads, compressed bodies).
 *
 * @module
 */

/** What every reply carries: the number of the request it answers. */
export interface Numbered {
  /** Matches the reply to its request. */
  id: number;
}

/** Options of {@linkcode RequestWorker}. */
export interface RequestWorkerOptions {
  /** The worker module. */
  url: string | URL;
  /** Names the worker in errors, e.g. "Policy load worker". */
  name: string;
}

/**
 * Starts its worker on the first request (a start holds this thread for tens of milliseconds,
 * which a proxy that never needs the worker never pays) and keeps it for the next ones, so a
 * request pays neither a start nor the module's loading. A worker that fails (an uncaught
 * error, an unreadable reply) rejects every request it held and is dropped; the next request
 * starts a fresh one. `close()` ends it.
 *
 * The worker answers each `{ id, ...request }` message with `{ id, ...reply }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestWorker } from "./request_worker.ts";
 * const source = "onmessage = ({ data }) => postMessage({ id: data.id, twice: data.n * 2 });";
 * const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
 * using worker = new RequestWorker<{ n: number }, { twice: number }>({ url, name: "Doubler" });
 * assert.equal((await worker.request({ n: 21 })).twice, 42);
 * ```
 */
export class RequestWorker<Request extends object, Reply extends object> {
  #options: RequestWorkerOptions;
  #worker?: Worker;
  #pending = new Map<number, PromiseWithResolvers<Reply>>();
  #next = 0;

  /** A request worker; none runs until the first `request()` or `start()`. */
  constructor(options: RequestWorkerOptions) {
    this.#options = options;
  }

  /**
   * Post `request` (its `transfer` buffers moved, not copied) and wait for the reply.
   *
   * @throws {Error} when the worker fails or is closed before it answers.
   */
  request(request: Request, transfer: Transferable[] = []): Promise<Reply & Numbered> {
    const worker = this.start();
    const id = ++this.#next;
    const reply = Promise.withResolvers<Reply>();
    this.#pending.set(id, reply);
    worker.postMessage({ ...request, id }, transfer);
    return reply.promise as Promise<Reply & Numbered>;
  }

  /** Start the worker now, if it is not running (to pay its start at a quiet time). */
  start(): Worker {
    return this.#worker ??= this.#start();
  }

  /** End the worker; requests still waiting fail. */
  close(): void {
    this.#fail(new Error(`${this.#options.name} closed`));
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #start(): Worker {
    const worker = new Worker(this.#options.url, { type: "module" });
    worker.onmessage = ({ data }: MessageEvent<Reply & Numbered>) => {
      this.#pending.get(data.id)?.resolve(data);
      this.#pending.delete(data.id);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`${this.#options.name} failed: ${event.message}`));
    };
    worker.onmessageerror = () =>
      this.#fail(new Error(`${this.#options.name} sent an unreadable reply`));
    return worker;
  }

  #fail(error: Error): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
  }
}
