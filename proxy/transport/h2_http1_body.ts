/**
 * The request body of an HTTP/2 stream bound for an HTTP/1.1 origin: read whole under the
 * chunked-body cap, or past it its first part (judged whole) with the rest left to stream.
 *
 * @module
 */

import type { ServerHttp2Stream } from "node:http2";
import type { BodyLease } from "./body_budget.ts";
import { type H2BodyPrefix, readH2Body } from "./h2_body.ts";
import type { RequestHead } from "./http1_head.ts";
import { MAX_CHUNKED_BODY_BYTES } from "./proxy_context.ts";
import { isRefusal, type Refusal, refusal } from "./refusal.ts";
import { bodyNotAllowed } from "./request_reader.ts";

/**
 * A stream's body for an HTTP/1.1 origin (empty when it has none), read whole up to the
 * chunked-body cap, as an HTTP/1.1 chunked body is; past the cap, its first part
 * ({@linkcode H2BodyPrefix}), the rest unread in the stream for `relayH2BodyRest()`. A GET,
 * HEAD, DELETE, OPTIONS or TRACE carrying bytes is refused 400, as on HTTP/1.1
 * (`request_reader.ts`): an origin that ignores such a body would read it as a request of its
 * own, one the policy never saw. Within HTTP/2 framing it stays data, so only this translation
 * refuses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "./_h2_exchange.ts";
 * import { readHttp1Body } from "./h2_http1_body.ts";
 * import { h2Request } from "./h2_request.ts";
 *
 * const answer = await h2Exchange(async (stream, headers) => {
 *   const request = h2Request(headers);
 *   if (typeof request === "string") throw new Error(request);
 *   const body = await readHttp1Body(stream, request.head, { idleMs: 5_000 });
 *   stream.respond({ ":status": body instanceof Uint8Array ? 200 : 400 });
 *   stream.end();
 * }, { headers: { ":method": "GET" }, body: "GET /other HTTP/1.1\r\n\r\n" });
 * assert.equal(answer.status, 400);
 * ```
 */
export async function readHttp1Body(
  stream: ServerHttp2Stream,
  head: RequestHead,
  limits: { idleMs: number; lease?: BodyLease },
): Promise<Uint8Array | H2BodyPrefix | Refusal> {
  const cap = MAX_CHUNKED_BODY_BYTES;
  const tooLarge = "Request body is too large";
  const declared = head.framing.kind === "length" ? head.framing.length : undefined;
  const read = { cap, tooLarge, declared, spill: true as const, ...limits };
  const body = await readH2Body(stream, read) ?? new Uint8Array(0);
  if (isRefusal(body)) return body;
  const bytes = body instanceof Uint8Array ? body : body.prefix;
  if (bytes.byteLength === 0) return body;
  const smuggled = bodyNotAllowed({ ...head, framing: { kind: "length", length: bytes.length } });
  return smuggled === undefined ? body : refusal(400, "bad_request", smuggled);
}
