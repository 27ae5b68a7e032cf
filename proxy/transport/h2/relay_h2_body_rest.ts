/**
 * The rest of an HTTP/2 stream's request body past the proxy's cap, sent on to an HTTP/1.1
 * origin as it arrives (`readHttp1Body()` read the first part).
 *
 * @module
 */

import type { ServerHttp2Stream } from "node:http2";
import { latin1Bytes } from "../../wire/mod.ts";
import { BodyStoppedError, type FormMethodGuard } from "../request/mod.ts";
import { bodyTimeout, watchBodyIdle } from "./h2_body.ts";
import { UpstreamError } from "../../upstream/mod.ts";

/** How the rest goes upstream. */
export interface BodyRestOptions {
  /**
   * Data bytes still owed under the head's `Content-Length`; undefined for chunked framing,
   * whose first chunk (the part read) is open: each piece goes as a chunk, then the last.
   */
  left?: number;
  /** Scans each piece before it goes (`form_method_guard.ts`). */
  guard?: FormMethodGuard;
  /** The longest wait for the next piece (408 beyond). */
  idleMs: number;
}

/** A body being sent on: settles once it all went, or fails; `stop()` abandons it. */
export interface BodyRest {
  /** Resolves once the end went upstream; rejects on a stop, a stall or a client gone. */
  done: Promise<void>;
  /** Stop reading (the origin answered before the body ended). */
  stop(): void;
}

const EMPTY = new Uint8Array(0);
const LAST_CHUNK = latin1Bytes("\r\n0\r\n\r\n");

/**
 * Send the rest of `stream`'s body through `sink`, each piece past `options.guard` first, so
 * an origin never holds the end of a body (its last byte or last chunk) whose `_method` the
 * policy does not allow. A stream that ends short of its `Content-Length`, stops for
 * `idleMs`, or closes first never completes the request: `done` rejects and the caller
 * closes the upstream connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { relayH2BodyRest } from "./relay_h2_body_rest.ts";
 *
 * let sent = "";
 * const sink = (piece: Uint8Array) => void (sent += new TextDecoder().decode(piece));
 * await h2Exchange(async (stream) => {
 *   await relayH2BodyRest(stream, sink, { idleMs: 5_000 }).done;
 *   stream.respond({ ":status": 204 }, { endStream: true });
 * }, { headers: { ":method": "POST" }, body: "rest" });
 * assert.equal(sent, "\r\n4\r\nrest\r\n0\r\n\r\n"); // ends the open chunk, frames the rest
 * ```
 */
export function relayH2BodyRest(
  stream: ServerHttp2Stream,
  sink: (piece: Uint8Array) => Promise<void> | undefined,
  options: BodyRestOptions,
): BodyRest {
  const { guard, idleMs } = options;
  let left = options.left;
  const chunked = left === undefined;
  const { promise: done, resolve, reject } = Promise.withResolvers<void>();
  let over = false;
  const finish = (error?: Error) => {
    if (over) return;
    over = true;
    stopIdle();
    stream.off("data", onData);
    stream.off("end", onEnd);
    stream.off("close", onClose);
    stream.pause();
    if (error) reject(error);
    else resolve();
  };
  // Each piece waits for the one before it (its decision, its write): order is kept.
  let queue: Promise<void> = Promise.resolve();
  const send = async (piece: Uint8Array, last: boolean) => {
    const stop = await guard?.check(piece, last);
    if (stop !== undefined) throw new BodyStoppedError(stop);
    if (over) return;
    if (chunked && piece.byteLength > 0) {
      await sink(latin1Bytes(`\r\n${piece.byteLength.toString(16)}\r\n`));
    }
    if (piece.byteLength > 0) await sink(piece);
    if (chunked && last) await sink(LAST_CHUNK);
  };
  const onData = (piece: Uint8Array) => {
    if (left !== undefined) {
      left -= piece.byteLength;
      if (left < 0) return finish(new UpstreamError(400, "bad_request", LONGER));
    }
    stream.pause();
    queue = queue.then(() => send(piece, left === 0)).then(() => {
      if (!over) stream.resume();
    }, finish);
  };
  const onEnd = () => {
    queue = queue.then(async () => {
      if (left !== undefined && left > 0) throw new UpstreamError(400, "bad_request", SHORTER);
      if (chunked) await send(EMPTY, true);
      finish();
    }).catch(finish);
  };
  const onClose = () =>
    finish(new UpstreamError(400, "bad_request", "The client reset the stream"));
  const stopIdle = watchBodyIdle(stream, idleMs, () => {
    const timeout = bodyTimeout();
    finish(new UpstreamError(timeout.status, timeout.code, timeout.detail));
  });
  stream.on("data", onData);
  stream.once("end", onEnd);
  stream.once("close", onClose);
  stream.resume();
  return { done, stop: () => finish() };
}

const LONGER = "The request body is longer than its content-length";
const SHORTER = "The request body is shorter than its content-length";
