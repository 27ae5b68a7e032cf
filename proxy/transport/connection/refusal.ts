/**
 * A deliberate refusal of one request (status, error code, one-line detail), decided without
 * writing anything, so that HTTP/1.1 and HTTP/2 render the same refusal in their own framing.
 *
 * @module
 */

/** A refusal of one request, rendered by the caller as `{error, detail}` with `status`. */
export interface Refusal {
  /** Tells a refusal from the other verdicts. */
  kind: "refuse";
  /** The HTTP status to answer with. */
  status: number;
  /** The `error` code of the JSON body. */
  code: string;
  /** One sentence saying why. */
  detail: string;
}

/**
 * Build a refusal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refusal } from "./refusal.ts";
 * assert.deepEqual(refusal(400, "bad_request", "Malformed :method"), {
 *   kind: "refuse",
 *   status: 400,
 *   code: "bad_request",
 *   detail: "Malformed :method",
 * });
 * ```
 */
export function refusal(status: number, code: string, detail: string): Refusal {
  return { kind: "refuse", status, code, detail };
}

/**
 * Whether a value is a refusal (and not the value it stands in for).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRefusal, refusal } from "./refusal.ts";
 * assert.equal(isRefusal(refusal(408, "request_timeout", "Too slow")), true);
 * assert.equal(isRefusal(new Uint8Array(1)), false);
 * ```
 */
export function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && (value as Refusal).kind === "refuse";
}
