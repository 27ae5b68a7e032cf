/**
 * A copy of a small request body as it streams to an HTTP/2 origin, kept until the origin's
 * answer starts, so that a stream the origin did not take (`_h2_refusals.ts`) can be sent again
 * with the very bytes that went the first time. A gRPC call or a JSON POST is such a body: sent
 * as it comes, never read whole at admission.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";

/**
 * The most a stream's copy keeps: past it the body is not sent again. Within what a stream with
 * a body reserves in the body budget (`STREAM_WINDOW_HOLD`, 576 KiB, of which at most 400 KiB
 * was ever measured held).
 */
export const BODY_COPY_BYTES = 64 * 1024;

/**
 * The bytes a client stream's body handed on so far, while they are at most
 * {@linkcode BODY_COPY_BYTES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { BodyCopy } from "./_h2_body_copy.ts";
 *
 * const body = new PassThrough();
 * const copy = new BodyCopy(body);
 * body.write("a=1&");
 * body.write("b=2");
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(new TextDecoder().decode(copy.bytes()), "a=1&b=2");
 * copy.drop(); // the answer started: nothing is kept any more
 * assert.equal(copy.bytes(), undefined);
 * assert.equal(copy.dropped, true);
 * ```
 */
export class BodyCopy {
  #source: Readable;
  #chunks: Uint8Array[] | undefined = [];
  #size = 0;
  #onData = (chunk: Uint8Array) => {
    this.#size += chunk.byteLength;
    if (this.#size > BODY_COPY_BYTES) return this.drop();
    this.#chunks?.push(chunk);
  };

  /** Copy what `source` hands on from now (listen before the body's first byte is read). */
  constructor(source: Readable) {
    this.#source = source;
    source.on("data", this.#onData);
  }

  /** The bytes handed on so far, or undefined once more than the cap went or it was dropped. */
  bytes(): Uint8Array | undefined {
    return this.#chunks === undefined ? undefined : Buffer.concat(this.#chunks);
  }

  /** Whether nothing more is kept: a piece handed on from now is in no copy. */
  get dropped(): boolean {
    return this.#chunks === undefined;
  }

  /** Keep nothing more (the answer started, or the exchange ended). */
  drop(): void {
    this.#chunks = undefined;
    this.#source.off("data", this.#onData);
  }
}
