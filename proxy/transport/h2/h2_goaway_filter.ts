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
import { releaseMemory } from "../../wire/mod.ts";

const GOAWAY = 7;
/** The highest stream id HTTP/2 allows (2^31 - 1). */
const MAX_STREAM_ID = 0x7fffffff;
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
 * const goaways: number[] = [];
 * assert.equal(filterGoaway(socket, { onGoaway: (last) => goaways.push(last) }), true);
 * const ping = [0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
 * const goaway = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
 * socket.emit("data", new Uint8Array(24)); // the preface
 * socket.emit("data", new Uint8Array([...ping, ...goaway.slice(0, 5)]));
 * const read = new Uint8Array([...goaway.slice(5), ...ping]);
 * socket.emit("data", read);
 * assert.equal(read.byteLength, 0); // freed once the session's reader took its bytes
 * assert.deepEqual(fed, [...new Array(24).fill(0), ...ping, ...ping]);
 * assert.deepEqual(goaways, [1]); // its last-stream-id, read across the cut
 * ```
 */
export function filterGoaway(socket: Duplex, options: GoawayOptions = {}): boolean {
  const listeners = socket.listeners("data");
  if (listeners.length !== 1) return false;
  const feed = listeners[0] as (chunk: Uint8Array) => void;
  socket.removeListener("data", feed);
  const preface = options.from === "origin" ? 0 : PREFACE_BYTES;
  const { onGoaway, onFrame = () => {} } = options;
  const walk = frameWalker(preface, (type) => (onFrame(type), type !== GOAWAY), (head) => {
    // Only GOAWAY frames are dropped. One too short to name a stream names none taken back.
    onGoaway?.(head.byteLength < 4 ? MAX_STREAM_ID : lastStreamId(head));
  });
  socket.on("data", (chunk: Uint8Array) => {
    const kept = walk(chunk);
    if (kept !== undefined) feed(kept);
    // The session took its bytes in that call (nghttp2 copies the DATA it hands on): a read is
    // freed now, not at a collection, while no other reader was added to the socket since.
    if (socket.listenerCount("data") !== 1) return;
    releaseMemory(chunk);
    if (kept !== undefined && kept !== chunk) releaseMemory(kept);
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
   * Called at each GOAWAY dropped, with its last-stream-id (2^31 - 1 when it names none), before
   * any byte that follows it reaches the session: an origin's means the session takes no more
   * streams, so the proxy's session to it closes (its streams finish), the next stream opens
   * another, and the streams above that id, which the origin did not process (RFC 9113 §6.8),
   * may be sent again.
   */
  onGoaway?: (lastStreamId: number) => void;
  /**
   * Called with the type of every frame read (GOAWAY included), so that one walk of the
   * socket's bytes serves the WINDOW_UPDATE bound too (`_h2_frame_meter.ts`).
   */
  onFrame?: (type: number) => void;
}

/** A GOAWAY payload's last-stream-id (its reserved top bit cleared). */
function lastStreamId(head: Uint8Array): number {
  return ((head[0]! & 0x7f) << 24 | head[1]! << 16 | head[2]! << 8 | head[3]!) >>> 0;
}
