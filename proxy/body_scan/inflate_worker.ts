/**
 * One long-lived worker per proxy that inflates and scans compressed form and JSON bodies
 * (`_inflate_and_scan.ts`) off the event loop. Inflating is cheap per byte but not per byte
 * sent: a 14-byte br body costs the decoder about 10 ms before it yields a byte, and a
 * 32 KiB gzip body inflates to 8 MiB. On the event loop, a sandbox sending such bodies held
 * every other client of the proxy for as long; on the worker, only its own requests wait.
 *
 * @module
 */

import { RequestWorker } from "../worker/mod.ts";
import type { ScanResult } from "./_form_fields.ts";
import type { InflateJob } from "./_inflate_and_scan.ts";

/** One body sent to the worker. */
export interface InflateRequest {
  /** Matches the reply to its request. */
  id: number;
  job: InflateJob;
}

/** The worker's answer to one {@linkcode InflateRequest}. */
export interface InflateReply {
  id: number;
  result: ScanResult;
}

/** Options of {@linkcode InflateWorker}. */
export interface InflateWorkerOptions {
  /** The worker module (tests give a crashing one); defaults to `_inflate_worker.ts`. */
  url?: string | URL;
}

/** The answer to bodies whose worker failed: refused (400), never forwarded unread. */
export const WORKER_FAILED =
  "A compressed form or JSON body could not be read: send it uncompressed";

/**
 * The inflate worker, started by the first compressed body (its start holds the event loop
 * for tens of milliseconds, which a proxy that never sees one never pays) and kept for the
 * next ones. A worker that fails refuses the bodies it held and is dropped; the next body
 * starts a fresh one. `close()` ends it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import zlib from "node:zlib";
 * import { InflateWorker } from "./inflate_worker.ts";
 * using worker = new InflateWorker();
 * const body = zlib.brotliCompressSync(new TextEncoder().encode('{"_method":"PUT"}'));
 * assert.deepEqual(await worker.scan({ coding: "br", kind: "json", body }), ["PUT"]);
 * ```
 */
export class InflateWorker {
  #worker: RequestWorker<Omit<InflateRequest, "id">, Omit<InflateReply, "id">>;

  /** An inflate worker; none runs until the first `scan()`. */
  constructor(options: InflateWorkerOptions = {}) {
    const url = options.url ?? new URL("./_inflate_worker.ts", import.meta.url);
    this.#worker = new RequestWorker({ url, name: "Inflate worker" });
  }

  /** What `inflateAndScan()` finds in `job`'s body, read on the worker (the body is moved). */
  async scan(job: InflateJob): Promise<ScanResult> {
    const body = job.body.buffer.byteLength === job.body.byteLength ? job.body : job.body.slice();
    const request = { job: { ...job, body } };
    try {
      return (await this.#worker.request(request, [body.buffer as ArrayBuffer])).result;
    } catch {
      return WORKER_FAILED;
    }
  }

  /** End the worker; bodies still waiting are refused. */
  close(): void {
    this.#worker.close();
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
