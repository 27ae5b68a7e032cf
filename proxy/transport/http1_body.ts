/**
 * HTTP/1.1 message bodies: strict chunked decoding (requests are decoded whole before any byte
 * goes upstream) and chunked pass-through with validation (responses stream as they arrive).
 *
 * A chunked body costs the proxy work per chunk, not per byte: a million one-byte chunks once
 * grew it by 300 MB and stalled every other client for seconds. So a request body whose
 * framing outweighs its data (beyond a small allowance) is refused, the decoded bytes go into
 * one growing buffer instead of one array per chunk, and every walk over chunks gives the
 * event loop a turn every few milliseconds.
 *
 * @module
 */

import { releaseMemory } from "./_bytes.ts";
import type { BodyLease } from "./body_budget.ts";
import type { ByteStream } from "./byte_stream.ts";
import { ProtocolError } from "./protocol_error.ts";

/** A request body larger than the proxy buffers (413). */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

const SIZE_LINE = /^([0-9A-Fa-f]{1,13})(?:[ \t]*;[\t\x20-\x7e]*)?$/;
const TRAILER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;
const LINE_LIMIT = 4096;
const TRAILER_LIMIT = 8192;
const CRLF = new Uint8Array([13, 10]);
/**
 * Framing bytes (size lines, extensions, CRLFs) a request body may carry beyond its data
 * bytes: ordinary clients send far fewer, one-byte chunks hit it after about 16,000.
 */
export const CHUNK_FRAMING_ALLOWANCE = 64 * 1024;
/** Longest run of chunk handling before the event loop gets a turn, ms. */
const TURN_MS = 4;

/** Callbacks of {@linkcode walkChunked}. */
interface ChunkSinks {
  /** Every validated raw byte of the framing and data, in order (pass-through). */
  raw?: (bytes: Uint8Array) => void | Promise<void>;
  /** Decoded data bytes. */
  data?: (bytes: Uint8Array) => void | Promise<void>;
  /** Refuse a body whose framing bytes exceed its data bytes by more than this. */
  framingAllowance?: number;
}

/**
 * Read a whole chunked request body and return the decoded bytes.
 *
 * @param stream The client stream, positioned after the head.
 * @param limit Largest decoded body accepted.
 * @throws {ProtocolError} On any framing error (bad size line, missing CRLF, bare LF), and when
 *   the framing outweighs the data by more than {@linkcode CHUNK_FRAMING_ALLOWANCE} bytes.
 * @param options `lease` reserves each growth of the buffer in the proxy's body budget first.
 * @throws {BodyTooLargeError} When the body exceeds `limit`.
 * @throws {BodyBudgetSpentError} When the budget had no room for the next growth in time.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 * import { readChunkedBody } from "./http1_body.ts";
 *
 * const socket = new PassThrough();
 * socket.end("5\r\nhello\r\n0\r\n\r\n");
 * const body = await readChunkedBody(new ByteStream(socket), 16 * 1024 * 1024);
 * assert.equal(new TextDecoder().decode(body), "hello");
 * ```
 */
export async function readChunkedBody(
  stream: ByteStream,
  limit: number,
  options: { lease?: BodyLease } = {},
): Promise<Uint8Array> {
  const { lease } = options;
  let body = new Uint8Array(0);
  let total = 0;
  const append = (piece: Uint8Array, size: number) => {
    if (size > body.byteLength) {
      const grown = new Uint8Array(size);
      grown.set(body.subarray(0, total));
      releaseMemory(body); // Freed now: the budget counts only the buffer in use.
      body = grown;
    }
    body.set(piece, total);
    total += piece.byteLength;
    releaseMemory(piece); // A socket read, copied and never read again: freed now.
  };
  await walkChunked(stream, {
    framingAllowance: CHUNK_FRAMING_ALLOWANCE,
    data: (piece) => {
      if (total + piece.byteLength > limit) {
        throw new BodyTooLargeError(`Request body exceeds ${limit} bytes`);
      }
      // One buffer, doubled as needed: never an object per chunk.
      if (total + piece.byteLength <= body.byteLength) return append(piece, body.byteLength);
      // Powers of two from 16 KiB: a body of exactly 2^n bytes takes no more than that.
      let size = Math.max(16 * 1024, 2 * body.byteLength);
      while (size < total + piece.byteLength) size *= 2;
      size = Math.min(limit, size);
      const more = size - body.byteLength;
      // Reserved before it exists; waiting leaves the client unread (TCP holds it back).
      if (lease === undefined || lease.tryGrow(more)) return append(piece, size);
      return lease.grow(more).then(() => append(piece, size));
    },
  });
  return body.subarray(0, total);
}

/**
 * Copy a chunked body through unchanged, validating its framing on the way.
 *
 * @param stream The upstream stream, positioned after the response head.
 * @param sink Receives each validated raw piece.
 * @throws {ProtocolError} On a framing error (the caller closes both sides).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 * import { relayChunked } from "./http1_body.ts";
 *
 * const socket = new PassThrough();
 * socket.end("5\r\nhello\r\n0\r\n\r\n");
 * let relayed = "";
 * const sink = (bytes: Uint8Array) => void (relayed += new TextDecoder().decode(bytes));
 * await relayChunked(new ByteStream(socket), sink);
 * assert.equal(relayed, "5\r\nhello\r\n0\r\n\r\n"); // framing kept
 * ```
 */
export function relayChunked(
  stream: ByteStream,
  sink: (bytes: Uint8Array) => void | Promise<void>,
): Promise<void> {
  return walkChunked(stream, { raw: sink });
}

/**
 * Copy a chunked body's decoded data (for HTTP/1.0 clients, who cannot read chunked framing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 * import { relayChunkedDecoded } from "./http1_body.ts";
 *
 * const socket = new PassThrough();
 * socket.end("5\r\nhello\r\n0\r\n\r\n");
 * let relayed = "";
 * const sink = (bytes: Uint8Array) => void (relayed += new TextDecoder().decode(bytes));
 * await relayChunkedDecoded(new ByteStream(socket), sink);
 * assert.equal(relayed, "hello"); // data only, for an HTTP/1.0 client
 * ```
 */
export function relayChunkedDecoded(
  stream: ByteStream,
  sink: (bytes: Uint8Array) => void | Promise<void>,
): Promise<void> {
  return walkChunked(stream, { data: sink });
}

/**
 * Copy everything until the peer closes (a response without length framing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 * import { relayUntilEnd } from "./http1_body.ts";
 *
 * const socket = new PassThrough();
 * socket.end("until the upstream closes");
 * let relayed = "";
 * const sink = (bytes: Uint8Array) => void (relayed += new TextDecoder().decode(bytes));
 * await relayUntilEnd(new ByteStream(socket), sink);
 * assert.equal(relayed, "until the upstream closes");
 * ```
 */
export async function relayUntilEnd(
  stream: ByteStream,
  sink: (bytes: Uint8Array) => void | Promise<void>,
): Promise<void> {
  for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
    await sink(chunk);
  }
}

async function walkChunked(stream: ByteStream, sinks: ChunkSinks): Promise<void> {
  const allowance = sinks.framingAllowance ?? Infinity;
  let framing = 0;
  let data = 0;
  let turn = performance.now();
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
    await stream.readExactly(size, async (piece) => {
      await sinks.raw?.(piece);
      await sinks.data?.(piece);
    });
    const end = await stream.readLine(2).catch(() => undefined);
    if (end === undefined || end.byteLength !== 0) {
      throw new ProtocolError("Chunk data not followed by CRLF");
    }
    await sinks.raw?.(CRLF);
  }
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
