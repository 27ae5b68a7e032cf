/**
 * The two errors a peer causes by breaking HTTP framing or stalling mid-message.
 *
 * @module
 */

/**
 * Raised when a peer breaks HTTP framing mid-message (mapped to 400 or 502 by callers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProtocolError } from "./protocol_error.ts";
 *
 * assert.equal(new ProtocolError("Bare LF in chunked body").name, "ProtocolError");
 * ```
 */
export class ProtocolError extends Error {
  /** Always `"ProtocolError"`. */
  override name = "ProtocolError";
}

/**
 * Raised when the next bytes of a message body did not arrive within the stream's limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProtocolError, ReadTimeoutError } from "./protocol_error.ts";
 *
 * // A stalled body is a framing failure too: callers that catch ProtocolError see it.
 * assert.ok(new ReadTimeoutError("No data for 50 ms") instanceof ProtocolError);
 * ```
 */
export class ReadTimeoutError extends ProtocolError {
  /** Always `"ReadTimeoutError"`. */
  override name = "ReadTimeoutError";
}
