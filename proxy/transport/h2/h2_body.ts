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
import { BODY_TIMEOUT_DETAIL, type Refusal, refusal, TOO_MANY_BODIES } from "../connection/mod.ts";
import { BodyBudgetSpentError, type BodyLease, LazyDeadline } from "../../wire/mod.ts";

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
  /**
   * Past `cap`, stop reading instead of refusing: the bytes read so far come back as an
   * {@linkcode H2BodyPrefix} and the rest stays unread in the stream, for a caller that sends
   * it on as it comes.
   */
  spill?: boolean;
}

/** The first bytes of a body that goes on past the cap (its rest unread in the stream). */
export interface H2BodyPrefix {
  /** The bytes read: at least the cap, at most one more piece. */
  prefix: Uint8Array;
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
 * import { h2Exchange } from "../examples/mod.ts";
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
export function readH2Body(
  stream: ServerHttp2Stream,
  limits: H2BodyLimits & { spill: true },
): Promise<Uint8Array | undefined | Refusal | H2BodyPrefix>;
export function readH2Body(
  stream: ServerHttp2Stream,
  limits: H2BodyLimits,
): Promise<Uint8Array | undefined | Refusal>;
export async function readH2Body(
  stream: ServerHttp2Stream,
  limits: H2BodyLimits,
): Promise<Uint8Array | undefined | Refusal | H2BodyPrefix> {
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
    const finish = (result: Uint8Array | undefined | Refusal | H2BodyPrefix) => {
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
      // A piece that completes a declared length is the end: the body is read whole.
      if (size > limits.cap && limits.spill && size !== declared) {
        return finish({ prefix: Buffer.concat([...chunks, chunk]) });
      }
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
 * Call `onIdle` once when the stream's request body has not moved for `idleMs` while the proxy
 * was waiting for it (a stream paused because its upstream is slow is not idle). Listens to
 * `data`, so attach it in the same tick as the reader that consumes the body.
 *
 * @returns Stops watching (also done by the body's end and the stream's close).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
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
  // One timer per idle period, not one per DATA frame (16 KB): each piece only moves the
  // deadline (a new timer and a cleared one per piece were 4 % of an h2 upload's CPU).
  const idle = new LazyDeadline(() => {
    // A paused stream (its upstream is slow) is not idle.
    if (stream.readableFlowing === false) return idle.set(idleMs);
    stop();
    onIdle();
  });
  const moved = () => idle.set(idleMs);
  const stop = () => {
    idle.stop();
    stream.off("data", moved);
    stream.off("end", stop);
    stream.off("close", stop);
  };
  if (stream.endAfterHeaders || stream.readableEnded) return () => {};
  stream.on("data", moved);
  stream.once("end", stop);
  stream.once("close", stop);
  moved();
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
 * import { h2Exchange } from "../examples/mod.ts";
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
