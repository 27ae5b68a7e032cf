/**
 * The worker behind {@linkcode InflateWorker}: each message is one compressed body
 * (`InflateRequest`), answered with what `inflateAndScan()` finds in it.
 *
 * @module
 */

import { inflateAndScan } from "./_inflate_and_scan.ts";
import type { InflateReply, InflateRequest } from "./inflate_worker.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<InflateRequest>) => void) | null;
  postMessage(message: InflateReply): void;
};

scope.onmessage = ({ data: { id, job } }) => {
  scope.postMessage({ id, result: inflateAndScan(job) });
};
