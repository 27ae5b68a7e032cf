/**
 * Keeps a client's GOAWAY frames away from the proxy's HTTP/2 session. Deno 2.9.6's
 * `node:http2` (nghttp2 inside the runtime) can abort the whole process while it handles a
 * GOAWAY it received (`find_stream_on_goaway_func: Assertion 'stream->closed_next == NULL'`,
 * denoland/deno#36788), before any JavaScript runs: a sandbox's HTTP/2 client that closed its
 * session gracefully ended the proxy of every sandbox it served (3 runs of 3 after a few 1 MiB
 * downloads). A client's GOAWAY only says it opens no more streams; the session ends when the
 * client's side of the connection does, as it does for a client that leaves without one.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";

const GOAWAY = 7;
// The client's connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") precedes its frames.
const PREFACE_BYTES = 24;

type Feed = (chunk: Uint8Array) => void;

/**
 * Put a filter in front of the session's reader of `socket` (its one `data` listener, added by
 * `http2.performServerHandshake` or `http2.connect`): every byte but those of GOAWAY frames
 * reaches it. Call right after the session takes the socket, before any other `data` listener.
 *
 * @returns False when the session's reader is not where Deno 2.9 puts it (nothing changed).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { filterGoaway } from "./h2_goaway_filter.ts";
 *
 * const socket = new PassThrough();
 * const fed: number[] = [];
 * socket.on("data", (chunk: Uint8Array) => fed.push(...chunk));
 * assert.equal(filterGoaway(socket), true);
 * const ping = [0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
 * const goaway = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
 * socket.emit("data", new Uint8Array(24)); // the preface
 * socket.emit("data", new Uint8Array([...ping, ...goaway.slice(0, 5)]));
 * socket.emit("data", new Uint8Array([...goaway.slice(5), ...ping]));
 * assert.deepEqual(fed, [...new Array(24).fill(0), ...ping, ...ping]);
 * ```
 */
export function filterGoaway(socket: Duplex, options: GoawayOptions = {}): boolean {
  const listeners = socket.listeners("data");
  if (listeners.length !== 1) return false;
  const feed = listeners[0] as Feed;
  socket.removeListener("data", feed);
  const preface = options.from === "origin" ? 0 : PREFACE_BYTES;
  socket.on("data", withoutGoaway(feed, preface, options.onGoaway ?? (() => {})));
  return true;
}

/** Whose bytes are read, and what stands for a GOAWAY dropped. */
export interface GoawayOptions {
  /**
   * `"client"` (the default): a client of the proxy, whose connection preface comes first;
   * `"origin"`: the origin of the proxy's own session (it sends no preface).
   */
  from?: "client" | "origin";
  /**
   * Called at each GOAWAY dropped: an origin's means the session takes no more streams, so
   * the proxy's session to it closes (its streams finish) and the next stream opens another.
   */
  onGoaway?: () => void;
}

/**
 * `feed`, given every byte of the chunks it is called with but those of GOAWAY frames. A frame
 * header split across chunks is held until it is whole (nghttp2 cannot read half of one
 * anyway); a chunk that loses nothing is passed on as it came, in one call.
 */
function withoutGoaway(feed: Feed, preface: number, onGoaway: () => void): Feed {
  let pass = preface; // bytes of the preface or of a kept frame's payload still to pass
  let drop = 0; // bytes of a GOAWAY frame's payload still to drop
  const head = new Uint8Array(9);
  let headBytes = 0;
  return (chunk) => {
    let same = headBytes === 0; // the output is this very chunk, so far
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.byteLength) {
      if (pass > 0) {
        const step = Math.min(pass, chunk.byteLength - at);
        out.push(chunk.subarray(at, at + step));
        pass -= step;
        at += step;
      } else if (drop > 0) {
        const step = Math.min(drop, chunk.byteLength - at);
        drop -= step;
        at += step;
      } else {
        const step = Math.min(9 - headBytes, chunk.byteLength - at);
        head.set(chunk.subarray(at, at + step), headBytes);
        headBytes += step;
        at += step;
        if (headBytes < 9) {
          same = false; // held until the next chunk completes it
          break;
        }
        headBytes = 0;
        const length = (head[0]! << 16) | (head[1]! << 8) | head[2]!;
        if (head[3] === GOAWAY) {
          drop = length;
          same = false;
          onGoaway();
        } else {
          out.push(head.slice());
          pass = length;
        }
      }
    }
    if (same) return feed(chunk);
    // One call, as the session's reader expects a socket's chunk (a Buffer).
    if (out.length > 0) feed(Buffer.concat(out));
  };
}
