/**
 * The two body reads of HTTP/1 framing, built on a stream's `read()` and `unread()`: one
 * CRLF-terminated line (chunk sizes and trailers) and exactly n bytes (a sized body or chunk).
 *
 * @module
 */

import { concat } from "./_bytes.ts";
import { ProtocolError } from "./protocol_error.ts";

/** The part of `ByteStream` the body reads use. */
export interface ChunkSource {
  /** The next available bytes, or null at end of stream. */
  read(): Promise<Uint8Array | null>;
  /** Put bytes back in front of the queue. */
  unread(chunk: Uint8Array): void;
}

/** Read one CRLF-terminated line (without the CRLF); a bare LF or an overlong line throws. */
export async function readLine(stream: ChunkSource, limit: number): Promise<Uint8Array> {
  let buffer: Uint8Array = new Uint8Array(0);
  while (true) {
    const chunk = await stream.read();
    if (chunk === null) throw new ProtocolError("Connection closed inside a chunked body");
    const from = buffer.byteLength;
    buffer = concat(buffer, chunk);
    const lf = buffer.indexOf(10, from);
    if (lf !== -1) {
      if (lf === 0 || buffer[lf - 1] !== 13) throw new ProtocolError("Bare LF in chunked body");
      stream.unread(buffer.subarray(lf + 1));
      return buffer.subarray(0, lf - 1);
    }
    if (buffer.byteLength > limit) throw new ProtocolError("Overlong line in chunked body");
  }
}

/** Read exactly `length` bytes, handing each piece to `sink` as it arrives. */
export async function readExactly(
  stream: ChunkSource,
  length: number,
  sink: (piece: Uint8Array) => void | Promise<void>,
): Promise<void> {
  let left = length;
  while (left > 0) {
    const chunk = await stream.read();
    if (chunk === null) throw new ProtocolError("Connection closed inside a message body");
    const piece = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
    if (piece !== chunk) stream.unread(chunk.subarray(left));
    left -= piece.byteLength;
    await sink(piece);
  }
}
