/**
 * Read the next request head from a client, answering every malformed, oversized or slow
 * head with its JSON error.
 *
 * @module
 */

import type { ClientConnection } from "./client_connection.ts";
import { parseRequestHead, type RequestHead } from "./http1_head.ts";
import { MAX_HEAD_BYTES } from "./proxy_context.ts";
import { sendError } from "./responses.ts";

/**
 * The next request head, or undefined when the connection is done (closed, timed out or
 * refused; any error response has been sent).
 *
 * @param first True for the first request of a connection (idle limit = head timeout).
 * @example
 * ```ts ignore
 * const head = await readRequest(client, true);
 * ```
 */
export async function readRequest(
  client: ClientConnection,
  first: boolean,
): Promise<RequestHead | undefined> {
  const { ctx, stream } = client;
  const read = await stream.readHead(MAX_HEAD_BYTES, {
    idleMs: first ? ctx.headTimeoutMs : ctx.idleTimeoutMs,
    headMs: ctx.headTimeoutMs,
  });
  switch (read.kind) {
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
