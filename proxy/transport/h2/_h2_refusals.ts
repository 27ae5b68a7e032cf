/**
 * What an HTTP/2 origin said about the proxy's streams it did not take. An origin retiring a
 * session (a graceful restart; nginx, Go and Node after so many requests) sends GOAWAY with the
 * last stream id it took and never processes the streams above it; one at its stream limit
 * resets a stream with REFUSED_STREAM. Either way the request was not processed (RFC 9113
 * §6.8, §8.7) and may be sent again. Nothing else an origin does says so: a stream it reset
 * otherwise, or one at or below its last-stream-id cut by the connection's end, may have been
 * acted on.
 *
 * @module
 */

import { type ClientHttp2Stream, constants } from "node:http2";

/**
 * The GOAWAYs one origin session sent and the streams still waiting for its answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ClientHttp2Stream } from "node:http2";
 * import { OriginRefusals } from "./_h2_refusals.ts";
 *
 * const refusals = new OriginRefusals();
 * const taken = { id: 3, rstCode: 0 } as ClientHttp2Stream;
 * const above = { id: 5, rstCode: 0 } as ClientHttp2Stream;
 * const stopped: number[] = [];
 * refusals.awaitAnswer(taken, () => stopped.push(3));
 * refusals.awaitAnswer(above, () => stopped.push(5));
 * refusals.goaway(3);
 * assert.deepEqual(stopped, [5]); // the origin will never answer it
 * assert.equal(refusals.notTaken(above), true);
 * assert.equal(refusals.notTaken(taken), false); // it may have acted on it
 * ```
 */
export class OriginRefusals {
  /** The lowest last-stream-id of the origin's GOAWAYs (they may only go down). */
  #last = Infinity;
  #awaiting = new Map<ClientHttp2Stream, () => void>();

  /**
   * The origin sent GOAWAY naming `lastStreamId`: every stream above it still waiting for an
   * answer is stopped now (the origin will not answer it; it may stay open for the others).
   */
  goaway(lastStreamId: number): void {
    this.#last = Math.min(this.#last, lastStreamId);
    for (const [stream, stop] of this.#awaiting) {
      if (!this.#beyondGoaway(stream)) continue;
      this.#awaiting.delete(stream);
      stop();
    }
  }

  /**
   * Wait for `stream`'s answer: `stop` is called if a GOAWAY shows the origin will not take it.
   *
   * @returns Stop waiting (call it when the answer starts or the stream closes).
   */
  awaitAnswer(stream: ClientHttp2Stream, stop: () => void): () => void {
    this.#awaiting.set(stream, stop);
    return () => void this.#awaiting.delete(stream);
  }

  /**
   * Whether the origin said it did not process `stream`: reset with REFUSED_STREAM, above the
   * last-stream-id of one of its GOAWAYs, or never sent (its HEADERS still queued: no id).
   */
  notTaken(stream: ClientHttp2Stream): boolean {
    return stream.rstCode === constants.NGHTTP2_REFUSED_STREAM || this.#beyondGoaway(stream);
  }

  #beyondGoaway(stream: ClientHttp2Stream): boolean {
    // Deno 2.9 and Node give a stream its id when its HEADERS go to nghttp2: none, never sent.
    return stream.id === undefined || stream.id > this.#last;
  }
}
