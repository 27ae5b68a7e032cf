/**
 * HTTP/1.1 message bodies: strict chunked decoding (a request body is decoded whole before any
 * byte goes upstream, up to a limit past which the rest is framed anew as it comes) and chunked
 * pass-through with validation (responses stream as they arrive).
 *
 * A chunked body costs the proxy work per chunk, not per byte (a million one-byte chunks once
 * grew it by 300 MB and stalled every other client for seconds): a request body whose framing
 * outweighs its data beyond a small allowance is refused, the decoded bytes go into one growing
 * buffer, and every walk over chunks gives the event loop a turn every few milliseconds.
 *
 * @module
 */

import { releaseMemory } from "./_bytes.ts";
import type { BodyLease } from "./body_budget.ts";
import type { ByteStream } from "./byte_stream.ts";
import { PauseWalk, walkChunked } from "./_walk_chunked.ts";

/** A request body larger than the proxy buffers (413). */
export class BodyTooLargeError extends Error {
  /** The class's name, for logs. */
  override name = "BodyTooLargeError";
}

/** Framing bytes a request body may carry beyond its data (one-byte chunks: about 16,000). */
export const CHUNK_FRAMING_ALLOWANCE = 64 * 1024;

/** The first part of a chunked request body, and where the rest starts when there is more. */
export interface ChunkedPrefix {
  /** The decoded bytes read, at most the limit. */
  body: Uint8Array;
  /** Set when the body goes on past the limit: data bytes of the current chunk still unread. */
  left?: number;
}

/**
 * Read a whole chunked request body and return the decoded bytes.
 *
 * @param stream The client stream, positioned after the head.
 * @param limit Largest decoded body accepted.
 * @param options `lease` reserves each growth of the buffer in the proxy's body budget first.
 * @throws {ProtocolError} On any framing error (bad size line, missing CRLF, bare LF), and when
 *   the framing outweighs the data by more than {@linkcode CHUNK_FRAMING_ALLOWANCE} bytes.
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
  const read = await readChunkedPrefix(stream, limit, options);
  if (read.left === undefined) return read.body;
  throw new BodyTooLargeError(`Request body exceeds ${limit} bytes`);
}

/**
 * Read a chunked request body up to `limit` decoded bytes: the whole body, or its first bytes
 * and where the rest starts, for a caller that sends the rest on ({@linkcode relayChunkedRest}).
 *
 * @throws {ProtocolError} As {@linkcode readChunkedBody}.
 * @throws {BodyBudgetSpentError} As {@linkcode readChunkedBody}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 * import { readChunkedPrefix } from "./http1_body.ts";
 *
 * const socket = new PassThrough();
 * socket.end("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
 * const { body, left } = await readChunkedPrefix(new ByteStream(socket), 5);
 * assert.equal(new TextDecoder().decode(body), "abc");
 * assert.equal(left, 4); // "defg" is still to read
 * ```
 */
export async function readChunkedPrefix(
  stream: ByteStream,
  limit: number,
  options: { lease?: BodyLease } = {},
): Promise<ChunkedPrefix> {
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
  try {
    await walkChunked(stream, {
      framingAllowance: CHUNK_FRAMING_ALLOWANCE,
      data: (piece) => {
        if (total + piece.byteLength > limit) throw new PauseWalk(piece);
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
  } catch (error) {
    if (error instanceof PauseWalk) return { body: body.subarray(0, total), left: error.left };
    throw error;
  }
  return { body: body.subarray(0, total) };
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
