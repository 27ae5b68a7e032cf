/**
 * The wait for an upstream's answer to a request whose body streams from the client: it
 * starts when the body has gone, not when the head did.
 *
 * @module
 */

import type { ByteStream } from "../../wire/mod.ts";
import { MAX_RESPONSE_HEAD_BYTES } from "../connection/mod.ts";
import type { HeadRead } from "../../wire/mod.ts";

/** A request body still going upstream: when it was all sent (undefined while it streams). */
export interface StreamingBody {
  /** When the body was all sent (`performance.now()`), undefined while it streams. */
  sentAt(): number | undefined;
}

/**
 * Read the next response head, waiting at most `waitMs` for it from the moment `body` was all
 * sent (from now when there is none). While the body streams, the origin owes no answer yet:
 * an upload longer than `waitMs` (a big `git push` on a slow link) got a 504 mid-body
 * before. The body's own idle limit still ends a client that stops sending (its pump closes
 * the upstream, and the read ends). A head begun and stalled is a timeout at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "../../wire/mod.ts";
 * import { readHeadAfterBody } from "./head_after_body.ts";
 *
 * const socket = new PassThrough();
 * const upstream = new ByteStream(socket);
 * let sentAt: number | undefined;
 * setTimeout(() => (sentAt = Date.now()), 60); // the body goes on past the 20 ms wait
 * setTimeout(() => socket.write("HTTP/1.1 204 No Content\r\n\r\n"), 70);
 * const read = await readHeadAfterBody(upstream, 20, { sentAt: () => sentAt });
 * assert.equal(read.kind, "head");
 * socket.destroy();
 * ```
 */
export async function readHeadAfterBody(
  upstream: ByteStream,
  waitMs: number,
  body?: StreamingBody,
): Promise<HeadRead> {
  for (let left = waitMs;;) {
    const read = await upstream.readHead(MAX_RESPONSE_HEAD_BYTES, { idleMs: left, headMs: waitMs });
    if (read.kind !== "timeout" || read.partial || body === undefined) return read;
    const sentAt = body.sentAt();
    left = sentAt === undefined ? waitMs : waitMs - (Date.now() - sentAt);
    if (left <= 0) return read;
  }
}
