/**
 * A bound on the WINDOW_UPDATE frames an HTTP/2 peer sends (a client of the proxy, or an origin
 * its own session reaches). nghttp2 (under Deno's `node:http2`) ends a session that floods PING,
 * SETTINGS, PRIORITY, RST_STREAM, empty DATA or unknown frames, but a WINDOW_UPDATE of increment
 * 1 is valid 2^31 times per window: a client that sent nothing else kept a proxy at 60% of a
 * core and 300-570 MB of RSS while another client's plain GETs waited up to 3-4 s. A peer owes a
 * WINDOW_UPDATE only for DATA it was sent (one for the stream, one for the connection) or for a
 * stream, so more than {@linkcode WINDOW_UPDATES_PER_DATA_FRAME} times that (Envoy's rule and
 * default) ends the session with GOAWAY `ENHANCE_YOUR_CALM`.
 *
 * @module
 */

import { constants, type Http2Session } from "node:http2";
import type { Duplex } from "node:stream";
import { frameWalker } from "./_h2_frame_walk.ts";
import { releaseMemory } from "../../wire/mod.ts";

/** WINDOW_UPDATE frames allowed per DATA frame sent (Envoy's default). */
export const WINDOW_UPDATES_PER_DATA_FRAME = 10;

const DATA = 0;
const HEADERS = 1;
const WINDOW_UPDATE = 8;
// A client's connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") precedes its frames.
const PREFACE_BYTES = 24;

/**
 * Counts what a session's peer sent (the type of each frame read, handed over by the one walk
 * of inbound bytes in `h2_goaway_filter.ts`) against what the session wrote to it, and ends the
 * session once the peer has sent more WINDOW_UPDATE frames than it may.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { WindowUpdateMeter } from "./_h2_frame_meter.ts";
 *
 * let calmed = false;
 * const meter = new WindowUpdateMeter();
 * meter.watchWrites(new PassThrough(), { preface: false });
 * meter.attach({ goaway: () => (calmed = true), destroy: () => {}, destroyed: false } as never);
 * for (let i = 0; i < 20; i++) meter.inbound(8);
 * assert.equal(calmed, false); // a few are fine
 * for (let i = 0; i < 100; i++) meter.inbound(8);
 * assert.equal(calmed, true); // 120 with nothing sent to earn them
 *
 * // What the session writes is counted, then freed once the socket took it.
 * const socket = new PassThrough();
 * new WindowUpdateMeter().watchWrites(socket, { preface: false });
 * const frame = new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0, 1, 120]); // DATA, 1 byte
 * socket.write(frame);
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(frame.byteLength, 0);
 * ```
 */
export class WindowUpdateMeter {
  #updates = 0;
  #streams = 0;
  #dataSent = 0;
  #session: Http2Session | undefined;

  /** The session to end on a flood (set once it exists: writes are watched from before). */
  attach(session: Http2Session): void {
    this.#session = session;
  }

  /** Count one frame the peer sent, by its type. */
  inbound(type: number): void {
    if (type === HEADERS) this.#streams++;
    if (type !== WINDOW_UPDATE || ++this.#updates <= this.#allowed()) return;
    const session = this.#session;
    if (session === undefined || session.destroyed) return;
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  }

  /**
   * Count the DATA and HEADERS frames the session writes through `socket.write()` (Deno 2.9's
   * `node:http2` hands every outgoing chunk there). Call before the session writes anything,
   * so the walk starts on a frame boundary: a client session writes its connection preface as
   * soon as it is created (`preface: true`: the proxy's own session to an origin).
   */
  watchWrites(socket: Duplex, { preface }: { preface: boolean }): void {
    const outbound = frameWalker(preface ? PREFACE_BYTES : 0, (type) => {
      if (type === DATA) this.#dataSent++;
      else if (type === HEADERS) this.#streams++;
      return true; // counted, never changed
    });
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as { write: (...args: unknown[]) => boolean }).write = (...args) => {
      const [chunk] = args;
      if (!(chunk instanceof Uint8Array)) return write(...args);
      outbound(chunk);
      // The session hands each chunk over once and keeps none (Deno 2.9's sendPending): freed
      // once written, not at a collection.
      return args.length === 1 ? write(chunk, () => releaseMemory(chunk)) : write(...args);
    };
  }

  #allowed(): number {
    // Envoy's bound: 1 + 2 × (streams opened + 10 × DATA frames sent), plus room for a peer
    // that grows its windows up front before any stream (nghttp2 sends 1-2). HEADERS either way
    // count: a stream's request and its answer.
    return 100 + 2 * (this.#streams + WINDOW_UPDATES_PER_DATA_FRAME * this.#dataSent);
  }
}
