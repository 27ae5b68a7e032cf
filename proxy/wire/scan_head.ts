/**
 * Where an HTTP/1 message head ends in the bytes received so far, or why it is refused.
 *
 * @module
 */

import { indexOfSequence } from "../bytes/mod.ts";
import { hasBareLf } from "./_bytes.ts";

const CRLFCRLF = [13, 10, 13, 10];

/** Result of waiting for a message head. */
export type HeadRead =
  | { kind: "head"; bytes: Uint8Array }
  | { kind: "eof" }
  | { kind: "too_large" }
  | { kind: "bare_lf" }
  | { kind: "tls" }
  | { kind: "timeout"; partial: boolean };

/** Timers for `ByteStream.readHead()`. */
export interface HeadTimeouts {
  /** Wait at most this long for the first byte (idle keep-alive connection). */
  idleMs: number;
  /** Once a byte arrived, the whole head must arrive within this long. */
  headMs: number;
  /**
   * Answer `{kind: "tls"}`, the bytes left queued, when the first byte starts a TLS handshake
   * record (0x16, which no request line starts with): a client speaking TLS to a plain proxy.
   */
  tls?: boolean;
}

/**
 * Scan `buffer` from `from` for the CRLF CRLF that ends a head: the offset just past it, or
 * `"more"` when it has not arrived yet, `"bare_lf"` or `"too_large"` when the head is refused.
 * Strings, not objects: this runs for every chunk of every head.
 *
 * @param buffer The head's bytes so far.
 * @param from Where new bytes may complete the terminator (3 before the new chunk).
 * @param limit Largest accepted head, in bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanHead } from "./scan_head.ts";
 *
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.equal(scanHead(bytes("GET / HTTP/1.1\r\n\r\nbody"), 0, 8192), 18);
 * assert.equal(scanHead(bytes("GET / HTTP/1.1\r\n\r\nbody\nbare"), 0, 8192), 18); // not the head's
 * assert.equal(scanHead(bytes("GET / HTTP/1.1\r\n"), 0, 8192), "more");
 * assert.equal(scanHead(bytes("GET / HTTP/1.1\n\n"), 0, 8192), "bare_lf");
 * assert.equal(scanHead(bytes("GET / HTTP/1.1\r\n"), 0, 10), "too_large");
 * ```
 */
export function scanHead(
  buffer: Uint8Array,
  from: number,
  limit: number,
): number | "more" | "bare_lf" | "too_large" {
  const end = indexOfSequence(buffer, CRLFCRLF, from);
  // A bare LF may end a head for a lenient server: refuse it instead of waiting for CRLF.
  if (hasBareLf(buffer, from, end === -1 ? buffer.byteLength : end + 4)) return "bare_lf";
  if (end !== -1) return end + 4 > limit ? "too_large" : end + 4;
  return buffer.byteLength >= limit ? "too_large" : "more";
}
