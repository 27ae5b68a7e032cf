/**
 * Request bodies of HTTP/2 streams under a deadline: read whole (for a GraphQL endpoint or an
 * HTTP/1.1 origin) or relayed, each stream's body must keep arriving — a stream whose body
 * stops for the proxy's body idle limit is answered 408 (or reset once its answer started), as
 * an HTTP/1.1 body is. Without it, one client could hold its 100 streams open for as long as
 * the session itself stays busy.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { constants, type ServerHttp2Stream } from "node:http2";
import type { RequestHead } from "./http1_head.ts";
import { MAX_CHUNKED_BODY_BYTES } from "./proxy_context.ts";
import { isRefusal, type Refusal, refusal } from "./refusal.ts";
import { bodyNotAllowed } from "./request_reader.ts";
import { BODY_TIMEOUT_DETAIL, TOO_MANY_BODIES } from "./responses.ts";
import { BodyBudgetSpentError, type BodyLease } from "./body_budget.ts";

/** Limits of {@linkcode readH2Body}. */
export interface H2BodyLimits {
  /** The most bytes read; more is refused (413). */
  cap: number;
  /** The detail of that 413. */
  tooLarge: string;
  /** The longest wait for the next piece of the body (408 beyond). */
  idleMs: number;
  /** Reserves each piece in the proxy's body budget before it is kept (503 when spent). */
  lease?: BodyLease;
  /**
   * The body's declared length (`content-length`), reserved whole before any of it is read:
   * streams holding part of the budget each would otherwise wait on one another.
   */
  declared?: number;
}

/**
 * Read a stream's whole request body.
 *
 * @returns The bytes, undefined when the request has no body (it ended with its headers), or
 *   the refusal to answer (413 over the cap, 408 when the body stopped arriving, 400 when the
 *   client reset the stream).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "./_h2_exchange.ts";
 * import { readH2Body } from "./h2_body.ts";
 *
 * const answer = await h2Exchange(async (stream) => {
 *   const body = await readH2Body(stream, { cap: 65_536, tooLarge: "Too large", idleMs: 5_000 });
 *   stream.respond({ ":status": 200 });
 *   stream.end(body instanceof Uint8Array ? body : new Uint8Array());
 * }, { headers: { ":method": "POST" }, body: "hello" });
 * assert.equal(answer.body, "hello");
 * ```
 */
export async function readH2Body(
  stream: ServerHttp2Stream,
  limits: H2BodyLimits,
): Promise<Uint8Array | undefined | Refusal> {
  if (stream.endAfterHeaders || stream.readableEnded) return undefined;
  // Reset while it waited for a body slot: its close has been and gone.
  if (stream.destroyed || stream.closed) return clientReset();
  const { lease, declared = 0 } = limits;
  // What the stream's lease holds already (its windows, counted from its start) is paid for.
  let reserved = lease?.held ?? 0;
  if (lease !== undefined && declared > reserved && declared <= limits.cap) {
    try {
      if (!lease.tryGrow(declared - reserved)) await lease.grow(declared - reserved);
      reserved = declared;
    } catch {
      return budgetSpent();
    }
  }
  return await new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Uint8Array | undefined | Refusal) => {
      if (done) return;
      done = true;
      stop();
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onClose);
      // What is left unread stays in the stream, bounded by its flow-control window.
      stream.pause();
      resolve(result);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > limits.cap) return finish(refusal(413, "payload_too_large", limits.tooLarge));
      chunks.push(chunk);
      const more = size - reserved;
      if (lease === undefined || more <= 0) return;
      if (lease.tryGrow(more)) return void (reserved += more);
      // No room in the budget: read no more (the stream's window stays closed) until there is.
      stream.pause();
      lease.grow(more).then(() => {
        reserved += more;
        if (!done) stream.resume();
      }, () => finish(budgetSpent()));
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onClose = () => finish(clientReset());
    const stop = watchBodyIdle(stream, limits.idleMs, () => finish(bodyTimeout()));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("close", onClose);
  });
}

function budgetSpent(): Refusal {
  return refusal(503, TOO_MANY_BODIES, new BodyBudgetSpentError().message);
}

function clientReset(): Refusal {
  return refusal(400, "bad_request", "The client reset the stream");
}

/**
 * A stream's whole body for an HTTP/1.1 origin (empty when it has none), read under the
 * chunked-body cap, or the refusal to answer. A GET, HEAD, DELETE, OPTIONS or TRACE carrying
 * bytes is refused 400, as on HTTP/1.1 (`request_reader.ts`): an origin that ignores such a
 * body would read it as a request of its own, one the policy never saw. Within HTTP/2
 * framing it stays data, so only this translation refuses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "./_h2_exchange.ts";
 * import { readHttp1Body } from "./h2_body.ts";
 * import { h2Request } from "./h2_request.ts";
 *
 * const answer = await h2Exchange(async (stream, headers) => {
 *   const request = h2Request(headers);
 *   if (typeof request === "string") throw new Error(request);
 *   const body = await readHttp1Body(stream, request.head, { idleMs: 5_000 });
 *   stream.respond({ ":status": body instanceof Uint8Array ? 200 : body.status });
 *   stream.end();
 * }, { headers: { ":method": "GET" }, body: "GET /other HTTP/1.1\r\n\r\n" });
 * assert.equal(answer.status, 400);
 * ```
 */
export async function readHttp1Body(
  stream: ServerHttp2Stream,
  head: RequestHead,
  limits: { idleMs: number; lease?: BodyLease },
): Promise<Uint8Array | Refusal> {
  const cap = MAX_CHUNKED_BODY_BYTES;
  const tooLarge = "Request body is too large";
  const declared = head.framing.kind === "length" ? head.framing.length : undefined;
  const read = { cap, tooLarge, declared, ...limits };
  const body = await readH2Body(stream, read) ?? new Uint8Array(0);
  if (isRefusal(body) || body.byteLength === 0) return body;
  const smuggled = bodyNotAllowed({ ...head, framing: { kind: "length", length: body.length } });
  return smuggled === undefined ? body : refusal(400, "bad_request", smuggled);
}

/**
 * Call `onIdle` once when the stream's request body has not moved for `idleMs` while the proxy
 * was waiting for it (a stream paused because its upstream is slow is not idle). Listens to
 * `data`, so attach it in the same tick as the reader that consumes the body.
 *
 * @returns Stops watching (also done by the body's end and the stream's close).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "./_h2_exchange.ts";
 * import { watchBodyIdle } from "./h2_body.ts";
 * import { respondH2Error } from "./h2_responses.ts";
 *
 * const answer = await h2Exchange((stream) => {
 *   watchBodyIdle(stream, 100, () => respondH2Error(stream, 408, "request_timeout", "Stalled"));
 *   stream.resume();
 * }, { headers: { ":method": "POST" }, body: "part of it", stall: true });
 * assert.equal(answer.status, 408); // the body stopped arriving for 100 ms
 * ```
 */
export function watchBodyIdle(
  stream: ServerHttp2Stream,
  idleMs: number,
  onIdle: () => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, idleMs);
  };
  const fire = () => {
    if (stream.readableFlowing === false) return arm();
    stop();
    onIdle();
  };
  const stop = () => {
    clearTimeout(timer);
    stream.off("data", arm);
    stream.off("end", stop);
    stream.off("close", stop);
  };
  if (stream.endAfterHeaders || stream.readableEnded) return () => {};
  stream.on("data", arm);
  stream.once("end", stop);
  stream.once("close", stop);
  arm();
  return stop;
}

/**
 * Once a stream was answered without its body being read (denied, refused, failed), drop the
 * rest of the body as it comes and close the stream when it idles (RFC 9113 §8.1: a server
 * may stop a request it answered in full); it must not stay open, counted against the
 * session's streams, until the session ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "./_h2_exchange.ts";
 * import { discardBody } from "./h2_body.ts";
 * import { respondH2Error } from "./h2_responses.ts";
 *
 * // Answered before its body arrived: the rest is dropped and the stream closes once idle.
 * const answer = await h2Exchange((stream) => {
 *   respondH2Error(stream, 413, "payload_too_large", "Too large");
 *   discardBody(stream, 100);
 * }, { headers: { ":method": "POST" }, body: "x".repeat(1000), stall: true });
 * assert.equal(answer.status, 413);
 * ```
 */
export function discardBody(stream: ServerHttp2Stream, idleMs: number): void {
  if (stream.destroyed || stream.endAfterHeaders || stream.readableEnded) return;
  watchBodyIdle(stream, idleMs, () => {
    if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
  });
  stream.resume();
}

/**
 * The 408 a stream whose body stopped arriving is answered with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyTimeout } from "./h2_body.ts";
 * assert.equal(bodyTimeout().status, 408);
 * ```
 */
export function bodyTimeout(): Refusal {
  return refusal(408, "request_timeout", BODY_TIMEOUT_DETAIL);
}
