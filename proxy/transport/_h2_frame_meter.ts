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

/** WINDOW_UPDATE frames allowed per DATA frame sent (Envoy's default). */
export const WINDOW_UPDATES_PER_DATA_FRAME = 10;

const DATA = 0;
const HEADERS = 1;
const WINDOW_UPDATE = 8;
// The client's connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") precedes its frames.
const PREFACE_BYTES = 24;

/**
 * Count the frames `socket` carries for `session` (the types of inbound frames; the DATA and
 * HEADERS frames it writes) and end the session once its peer has sent more WINDOW_UPDATE
 * frames than it may. Call right after the session takes the socket.
 *
 * @param role `"server"` for a client's session (its connection preface comes in), `"client"`
 *   for the proxy's own session to an origin (the preface goes out).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import type { Http2Session } from "node:http2";
 * import { meterWindowUpdates } from "./_h2_frame_meter.ts";
 *
 * let calmed = false;
 * const session = { goaway: () => (calmed = true), destroy: () => {}, destroyed: false };
 * const socket = new PassThrough();
 * meterWindowUpdates(session as unknown as Http2Session, socket, "server");
 * socket.emit("data", new Uint8Array(24)); // the preface
 * const update = [0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1];
 * for (let i = 0; i < 20; i++) socket.emit("data", new Uint8Array(update));
 * assert.equal(calmed, false); // a few are fine
 * socket.emit("data", new Uint8Array(Array.from({ length: 100 }, () => update).flat()));
 * assert.equal(calmed, true); // 120 with nothing sent to earn them
 * ```
 */
export function meterWindowUpdates(
  session: Http2Session,
  socket: Duplex,
  role: "server" | "client",
): void {
  const counts = { updates: 0, streams: 0, dataSent: 0 };
  const inbound = frameTypes(role === "server" ? PREFACE_BYTES : 0, (type) => {
    if (type === WINDOW_UPDATE) counts.updates++;
    else if (type === HEADERS) counts.streams++;
  });
  const outbound = frameTypes(role === "client" ? PREFACE_BYTES : 0, (type) => {
    if (type === DATA) counts.dataSent++;
    else if (type === HEADERS) counts.streams++;
  });
  socket.on("data", (chunk: Uint8Array) => {
    inbound(chunk);
    if (session.destroyed || counts.updates <= allowed(counts)) return;
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  });
  // The session writes its frames through the socket's write(): DATA frames earn updates.
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  (socket as { write: (...args: unknown[]) => boolean }).write = (...args) => {
    if (args[0] instanceof Uint8Array) outbound(args[0]);
    return write(...args);
  };
}

function allowed({ streams, dataSent }: { streams: number; dataSent: number }): number {
  // Envoy's bound: 1 + 2 × (streams opened + 10 × DATA frames sent), plus room for a peer
  // that grows its windows up front before any stream (nghttp2 sends 1-2). HEADERS either way
  // count: a stream's request and its answer.
  return 100 + 2 * (streams + WINDOW_UPDATES_PER_DATA_FRAME * dataSent);
}

/**
 * A reader of frame headers across chunks that split frames anywhere: calls `onFrame` with
 * each frame's type, after skipping `skip` bytes.
 */
function frameTypes(skip: number, onFrame: (type: number) => void): (chunk: Uint8Array) => void {
  let remaining = skip; // bytes of the current payload (or preface) still to pass
  const head = new Uint8Array(9);
  let headBytes = 0;
  return (chunk) => {
    let at = 0;
    while (at < chunk.byteLength) {
      if (remaining > 0) {
        const step = Math.min(remaining, chunk.byteLength - at);
        remaining -= step;
        at += step;
        continue;
      }
      const step = Math.min(9 - headBytes, chunk.byteLength - at);
      head.set(chunk.subarray(at, at + step), headBytes);
      headBytes += step;
      at += step;
      if (headBytes < 9) return;
      headBytes = 0;
      remaining = (head[0]! << 16) | (head[1]! << 8) | head[2]!;
      onFrame(head[3]!);
    }
  };
}
