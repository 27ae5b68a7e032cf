/**
 * The rest of a chunked request body past the proxy's cap, sent on as it arrives.
 *
 * @module
 */

import { latin1Bytes } from "./_bytes.ts";
import type { ByteStream } from "./byte_stream.ts";
import { CHUNK_FRAMING_ALLOWANCE } from "./http1_body.ts";
import { walkChunked } from "./_walk_chunked.ts";

/**
 * Send on the rest of a chunked body that {@linkcode readChunkedPrefix} stopped reading,
 * decoded and framed anew (each piece as one chunk, then the last chunk), so the origin reads
 * only framing the proxy wrote. The trailer section is checked, never sent. Every piece handed
 * to `sink` is a buffer of its own (a sink may free it). `check`, when given, sees each piece of
 * data before it goes (`last` false) and then the end (an empty piece, `last` true) before the
 * last chunk does: a rejection stops the body there.
 *
 * @throws {ProtocolError} On a framing error or a client that stops (the caller closes both
 *   sides, so the origin never sees the request complete).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 * import { readChunkedPrefix } from "./http1_body.ts";
 * import { relayChunkedRest } from "./relay_chunked_rest.ts";
 *
 * const socket = new PassThrough();
 * socket.end("3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nT: v\r\n\r\n");
 * const stream = new ByteStream(socket);
 * const { left } = await readChunkedPrefix(stream, 5);
 * let sent = "";
 * await relayChunkedRest(stream, left!, (b) => void (sent += new TextDecoder().decode(b)));
 * assert.equal(sent, "4\r\ndefg\r\n0\r\n\r\n");
 * ```
 */
export async function relayChunkedRest(
  stream: ByteStream,
  left: number,
  sink: (bytes: Uint8Array) => void | Promise<void>,
  check?: (data: Uint8Array, last: boolean) => Promise<void> | undefined,
): Promise<void> {
  await walkChunked(stream, {
    framingAllowance: CHUNK_FRAMING_ALLOWANCE,
    data: async (piece) => {
      await check?.(piece, false);
      await sink(latin1Bytes(`${piece.byteLength.toString(16)}\r\n`));
      await sink(piece);
      await sink(latin1Bytes("\r\n"));
    },
  }, left);
  await check?.(new Uint8Array(0), true);
  await sink(latin1Bytes("0\r\n\r\n"));
}
