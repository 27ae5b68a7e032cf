/**
 * Resetting an HTTP/2 stream the proxy stops part-way, so that its peer never takes what it got
 * for the whole request or answer.
 *
 * @module
 */

import { constants, type Http2Stream } from "node:http2";
import { addAbortSignal } from "node:stream";

/**
 * Reset `stream` with RST_STREAM `CANCEL` and nothing before it. Deno 2.9's `close(code)` ends
 * the stream first (END_STREAM on the wire when no write is in flight), so a peer held a body
 * or an answer cut short as whole; a stream destroyed with an `AbortError` (what an aborted
 * signal gives it) sends its reset first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { resetStream } from "./_h2_reset.ts";
 *
 * const answer = await h2Exchange((stream) => {
 *   stream.respond({ ":status": 200 });
 *   stream.write("part of it");
 *   resetStream(stream);
 * });
 * assert.equal(answer.status, 200);
 * ```
 */
export function resetStream(stream: Http2Stream): void {
  if (stream.destroyed) return;
  stream.once("error", () => {}); // the AbortError below: ours, not the peer's
  const aborter = new AbortController();
  addAbortSignal(aborter.signal, stream);
  aborter.abort();
}

/**
 * Refuse `stream` before anything was answered on it: RST_STREAM `REFUSED_STREAM`, which tells
 * the client that the request was not processed, so that it may send it again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { refuseStream } from "./_h2_reset.ts";
 *
 * const answer = await h2Exchange((stream) => refuseStream(stream));
 * assert.equal(answer.status, 0); // no answer: the stream was reset
 * ```
 */
export function refuseStream(stream: Http2Stream): void {
  if (stream.destroyed) return;
  stream.once("error", () => {}); // the stream's own report of the code: ours, not the peer's
  stream.close(constants.NGHTTP2_REFUSED_STREAM);
}
