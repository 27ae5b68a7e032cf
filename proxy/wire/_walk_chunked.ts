/**
 * The walk over a chunked body's framing that every chunked read and relay of `http1_body.ts`
 * shares: size lines, data, CRLFs and the trailer section, each checked strictly, handed to
 * sinks as they pass. A walk may pause in the middle of a chunk (its data sink throws
 * {@linkcode PauseWalk}) and be resumed from there by another walk.
 *
 * @module
 */

import type { ByteStream } from "./byte_stream.ts";
import { ProtocolError } from "./protocol_error.ts";

const SIZE_LINE = /^([0-9A-Fa-f]{1,13})(?:[ \t]*;[\t\x20-\x7e]*)?$/;
const TRAILER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;
const LINE_LIMIT = 4096;
const TRAILER_LIMIT = 8192;
/** CR LF. */
export const CRLF: Uint8Array = new Uint8Array([13, 10]);
/** Longest run of chunk handling before the event loop gets a turn, ms. */
const TURN_MS = 4;

/** Callbacks of {@linkcode walkChunked}. */
export interface ChunkSinks {
  /** Every validated raw byte of the framing and data, in order (pass-through). */
  raw?: (bytes: Uint8Array) => void | Promise<void>;
  /** Decoded data bytes; throwing {@linkcode PauseWalk} pauses the walk before `piece`. */
  data?: (bytes: Uint8Array) => void | Promise<void>;
  /** Refuse a body whose framing bytes exceed its data bytes by more than this. */
  framingAllowance?: number;
}

/** Thrown by a data sink: stop before this piece, which goes back to the stream. */
export class PauseWalk extends Error {
  override name = "PauseWalk";
  /** The piece the sink did not take. */
  readonly piece: Uint8Array;
  /** Data bytes of the current chunk still unread, the piece's included (set by the walk). */
  left = 0;
  /** @param piece The piece the sink did not take. */
  constructor(piece: Uint8Array) {
    super("Chunked body walk paused");
    this.piece = piece;
  }
}

/**
 * Walk a chunked body to its end. `left` resumes a walk paused inside a chunk: that many data
 * bytes of it come first, then its CRLF, then the next size line.
 *
 * @throws {ProtocolError} On a framing error.
 * @throws {PauseWalk} When the data sink paused (its `left` says where).
 */
export async function walkChunked(stream: ByteStream, sinks: ChunkSinks, left = 0): Promise<void> {
  const allowance = sinks.framingAllowance ?? Infinity;
  let framing = 0;
  let data = 0;
  let turn = performance.now();
  if (left > 0) await chunkData(stream, left, sinks);
  for (let chunks = 1;; chunks++) {
    const line = await stream.readLine(LINE_LIMIT);
    const match = SIZE_LINE.exec(latin1(line));
    if (match === null) throw new ProtocolError("Malformed chunk size line");
    const size = parseInt(match[1]!, 16);
    framing += line.byteLength + 4;
    data += size;
    if (framing - data > allowance) {
      throw new ProtocolError(
        `Chunk framing outweighs the data: ${chunks} chunks carry ${data} bytes; send fewer, larger chunks`,
      );
    }
    if ((chunks & 63) === 0 && performance.now() - turn > TURN_MS) {
      // Data already queued is handled without a macrotask: let other clients have a turn.
      await new Promise((resolve) => setTimeout(resolve, 0));
      turn = performance.now();
    }
    await sinks.raw?.(withCrlf(line));
    if (size === 0) return await walkTrailers(stream, sinks);
    await chunkData(stream, size, sinks);
  }
}

/** One chunk's data (`size` bytes) and the CRLF after it. */
async function chunkData(stream: ByteStream, size: number, sinks: ChunkSinks): Promise<void> {
  let taken = 0;
  try {
    await stream.readExactly(size, async (piece) => {
      taken += piece.byteLength;
      await sinks.raw?.(piece);
      await sinks.data?.(piece);
    });
  } catch (error) {
    if (!(error instanceof PauseWalk)) throw error;
    // The piece goes back in front of what readExactly left queued: the order is kept.
    stream.unread(error.piece);
    error.left = size - taken + error.piece.byteLength;
    throw error;
  }
  const end = await stream.readLine(2).catch(() => undefined);
  if (end === undefined || end.byteLength !== 0) {
    throw new ProtocolError("Chunk data not followed by CRLF");
  }
  await sinks.raw?.(CRLF);
}

async function walkTrailers(stream: ByteStream, sinks: ChunkSinks): Promise<void> {
  let total = 0;
  while (true) {
    const line = await stream.readLine(LINE_LIMIT);
    total += line.byteLength;
    if (line.byteLength > 0 && (total > TRAILER_LIMIT || !TRAILER_LINE.test(latin1(line)))) {
      throw new ProtocolError("Malformed chunked trailer section");
    }
    await sinks.raw?.(withCrlf(line));
    if (line.byteLength === 0) return;
  }
}

function withCrlf(line: Uint8Array): Uint8Array {
  const out = new Uint8Array(line.byteLength + 2);
  out.set(line, 0);
  out.set(CRLF, line.byteLength);
  return out;
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
