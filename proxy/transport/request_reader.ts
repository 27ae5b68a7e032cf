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
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "./_client_pair.ts";
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
  const smuggled = bodyNotAllowed(parsed.head);
  if (smuggled !== undefined) {
    await sendError(stream, 400, "bad_request", smuggled);
    return undefined;
  }
  return parsed.head;
}

// Methods whose request body has no defined meaning (RFC 9110 §9.3). An origin that ignores
// such a body would read it as the next request on the connection: a request the policy never
// saw. Refusing the body (and closing) is the only reading every origin agrees with.
const BODYLESS_METHODS = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/**
 * Why a request may not carry the body it announces, or undefined when it may.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "./http1_head.ts";
 * import { bodyNotAllowed } from "./request_reader.ts";
 * const text = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n";
 * const parsed = parseRequestHead(new TextEncoder().encode(text));
 * assert.ok(parsed.ok);
 * assert.equal(bodyNotAllowed(parsed.head), "A GET request must not carry a body");
 * ```
 */
export function bodyNotAllowed(head: RequestHead): string | undefined {
  // Content-Length: 0 parses to "none": an explicit empty body is no body.
  if (head.framing.kind === "none") return undefined;
  const method = head.method.toUpperCase();
  return BODYLESS_METHODS.has(method) ? `A ${method} request must not carry a body` : undefined;
}
