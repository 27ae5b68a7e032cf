/**
 * Workers that take work off the proxy's event loop: {@linkcode RequestWorker} answers
 * numbered requests on a long-lived Worker, started on first use and replaced when it fails.
 *
 * @module
 */

export { RequestWorker } from "./request_worker.ts";
export type { Numbered, RequestWorkerOptions } from "./request_worker.ts";
