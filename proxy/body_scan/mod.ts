/**
 * The request-body scans that a decision needs before the body is forwarded: form, JSON and
 * multipart fields that name a method or a judged query key, read as a stream within a budget,
 * and compressed bodies inflated and scanned on the inflate worker (a thread of its own), so a
 * decompression bomb never runs on the event loop.
 *
 * @module
 */

export { BudgetSpent, isMethodKey } from "./_form_fields.ts";
export type { ScanResult } from "./_form_fields.ts";
export type { BodyKind, InflateJob } from "./_inflate_and_scan.ts";
export type { Inflater } from "./_inflated_scan.ts";
export { FieldNames, formMethodScanner } from "./form_method_scan.ts";
export type { BodyScanner, BudgetedInflateOptions, InflateOptions } from "./form_method_scan.ts";
export { InflateWorker } from "./inflate_worker.ts";
export type { InflateWorkerOptions } from "./inflate_worker.ts";
