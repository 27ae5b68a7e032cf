/**
 * Read the next request head from a client, answering every malformed, oversized or slow
 * head with its JSON error.
 *
 * @module
 */

import type { ClientConnection } from "./client_connection.ts";
import { parseRequestHead, type RequestHead } from "../../wire/mod.ts";
import { MAX_HEAD_BYTES } from "./proxy_context.ts";
import { sendError } from "./responses.ts";

/**
 * The next request head, or undefined when the connection is done (closed, timed out or
 * refused; any error response has been sent). A body the method defines none for is judged
 * once the request is decided (`body_not_allowed.ts`): a denial comes first.
 *
 * @param first True for the first request of a connection (idle limit = head timeout).
 * @param onTls When given, a connection whose first byte starts a TLS handshake is handed to it
 * (its bytes still queued) instead of being read as a head.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { readRequest } from "./request_reader.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n");
 * const head = await readRequest(pair.client, true);
 * assert.equal(head?.target, "http://a.test/x");
 * ```
 */
export async function readRequest(
  client: ClientConnection,
  first: boolean,
  onTls?: () => Promise<void>,
): Promise<RequestHead | undefined> {
  const { ctx, stream } = client;
  const read = await stream.readHead(MAX_HEAD_BYTES, {
    idleMs: first ? ctx.headTimeoutMs : ctx.idleTimeoutMs,
    headMs: ctx.headTimeoutMs,
    tls: onTls !== undefined,
  });
  switch (read.kind) {
    case "tls":
      // Only asked for with `onTls`: a handshake, answered there over TLS.
      await onTls?.();
      return undefined;
    case "eof":
      return undefined;
    case "too_large":
      await sendError(
        stream,
        431,
        "request_header_fields_too_large",
        `Request head exceeds ${MAX_HEAD_BYTES} bytes`,
      );
      return undefined;
    case "bare_lf":
      await sendError(stream, 400, "bad_request", "Bare LF in request head");
      return undefined;
    case "timeout":
      if (read.partial) {
        await sendError(stream, 408, "request_timeout", "Request head was not received in time");
      }
      return undefined;
  }
  const parsed = parseRequestHead(read.bytes);
  if (!parsed.ok) {
    await sendError(stream, parsed.error.status, parsed.error.code, parsed.error.detail);
    return undefined;
  }
  return parsed.head;
}
