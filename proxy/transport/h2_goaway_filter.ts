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

import type { Duplex } from "node:stream";
import { frameWalker } from "./_h2_frame_walk.ts";

const GOAWAY = 7;
// The client's connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") precedes its frames.
const PREFACE_BYTES = 24;

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
  const feed = listeners[0] as (chunk: Uint8Array) => void;
  socket.removeListener("data", feed);
  const preface = options.from === "origin" ? 0 : PREFACE_BYTES;
  const { onGoaway = () => {}, onFrame = () => {} } = options;
  const walk = frameWalker(preface, (type) => {
    onFrame(type);
    if (type !== GOAWAY) return true;
    onGoaway();
    return false;
  });
  socket.on("data", (chunk: Uint8Array) => {
    const kept = walk(chunk);
    if (kept !== undefined) feed(kept);
  });
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
  /**
   * Called with the type of every frame read (GOAWAY included), so that one walk of the
   * socket's bytes serves the WINDOW_UPDATE bound too (`_h2_frame_meter.ts`).
   */
  onFrame?: (type: number) => void;
}
