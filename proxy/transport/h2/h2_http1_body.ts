/**
 * The request body of an HTTP/2 stream bound for an HTTP/1.1 origin: read whole under the
 * chunked-body cap, or past it its first part (judged whole) with the rest left to stream.
 *
 * @module
 */

import type { ServerHttp2Stream } from "node:http2";
import type { BodyLease } from "../../wire/mod.ts";
import { type H2BodyPrefix, readH2Body } from "./h2_body.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { isRefusal, MAX_CHUNKED_BODY_BYTES, type Refusal, refusal } from "../connection/mod.ts";
import { UpstreamError } from "../../upstream/mod.ts";
import { bodyLineVerdict, bodyNotAllowed, requestLineDetail } from "../request/mod.ts";

/**
 * A stream's body for an HTTP/1.1 origin (empty when it has none), read whole up to the
 * chunked-body cap, as an HTTP/1.1 chunked body is; past the cap, its first part
 * ({@linkcode H2BodyPrefix}), the rest unread in the stream for `relayH2BodyRest()`. The
 * caller judges it with {@linkcode http1BodyRefusal} before it goes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { http1BodyRefusal, readHttp1Body } from "./h2_http1_body.ts";
 * import { h2Request } from "./h2_request.ts";
 * import { isRefusal } from "../connection/mod.ts";
 *
 * const answer = await h2Exchange(async (stream, headers) => {
 *   const request = h2Request(headers);
 *   if (typeof request === "string") throw new Error(request);
 *   const body = await readHttp1Body(stream, request.head, { idleMs: 5_000 });
 *   const refused = isRefusal(body) ? body : http1BodyRefusal(request.head, body);
 *   stream.respond({ ":status": refused?.status ?? 200 });
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
  return await readH2Body(stream, read) ?? new Uint8Array(0);
}

/**
 * Why a stream's body (read whole, or its first part) may not go to an HTTP/1.1 origin, as on
 * HTTP/1.1 (`body_not_allowed.ts`): a GET, HEAD, OPTIONS or TRACE carrying bytes, or a DELETE
 * whose body starts with a request line, is refused 400; an origin that ignores such a body
 * would read it as a request of its own, one the policy never saw. Within HTTP/2 framing it
 * stays data, so only this translation refuses it. Undefined when it may go (a DELETE's
 * connection then closes after it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { http1BodyRefusal } from "./h2_http1_body.ts";
 * const head = { method: "DELETE", framing: { kind: "none" as const } };
 * const body = new TextEncoder().encode("GET /admin HTTP/1.1\r\n");
 * assert.equal(http1BodyRefusal(head, body)?.status, 400);
 * assert.equal(http1BodyRefusal(head, new TextEncoder().encode("{}")), undefined);
 * ```
 */
export function http1BodyRefusal(
  head: Pick<RequestHead, "method" | "framing">,
  read: Uint8Array | H2BodyPrefix,
): Refusal | undefined {
  const bytes = read instanceof Uint8Array ? read : read.prefix;
  if (bytes.byteLength === 0) return undefined;
  const framing = { kind: "length" as const, length: bytes.byteLength };
  const smuggled = bodyNotAllowed({ method: head.method, framing });
  if (smuggled !== undefined) return refusal(400, "bad_request", smuggled);
  if (head.method.toUpperCase() !== "DELETE") return undefined;
  // Past the cap the prefix holds far more than the line's limit: judged as whole enough.
  if (bodyLineVerdict(bytes, read instanceof Uint8Array) === "data") return undefined;
  return refusal(400, "bad_request", requestLineDetail(head.method));
}

/**
 * Whether a stream's body bound for an HTTP/1.1 origin must close its connection after the
 * exchange (a DELETE carrying bytes).
 *
 * @throws {UpstreamError} With the refusal of a body that may not go
 *   ({@linkcode http1BodyRefusal}), or of the read (too large, too slow).
 */
export function http1BodyCloses(
  head: Pick<RequestHead, "method" | "framing">,
  read: Uint8Array | H2BodyPrefix | Refusal,
): boolean {
  const refused = isRefusal(read) ? read : http1BodyRefusal(head, read);
  if (refused !== undefined) throw new UpstreamError(refused.status, refused.code, refused.detail);
  const bytes = read instanceof Uint8Array ? read : (read as H2BodyPrefix).prefix;
  return head.method.toUpperCase() === "DELETE" && bytes.byteLength > 0;
}
