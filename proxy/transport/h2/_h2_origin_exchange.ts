/**
 * One client stream over the proxy's session to an HTTP/2 origin: the request (its body streamed
 * through its guard, or sent whole), the answer relayed with its trailers (gRPC needs them).
 *
 * @module
 */

import * as http2 from "node:http2";
import { relayToClient } from "./_h2_backlog.ts";
import { BodyCopy } from "./_h2_body_copy.ts";
import { resetStream } from "./_h2_reset.ts";
import type { OriginH2 } from "./_h2_origin_session.ts";
import { bodyTimeout, watchBodyIdle } from "./h2_body.ts";
import type { H2Request } from "./h2_request.ts";
import { UpstreamError } from "../../upstream/mod.ts";
import { type GuardedBody, relayRequestBody } from "./_h2_guarded_relay.ts";

/** A stream's request as it goes to the origin. */
export interface OriginRequest extends GuardedBody {
  /** The client's request. */
  request: H2Request;
  /** Canonical path plus `?` and the raw query when there is one. */
  pathAndQuery: string;
  /** The `:authority` sent. */
  authority: string;
  /** The body already read and judged: exactly these bytes go upstream. */
  body?: Uint8Array;
}

/** Limits and choices of {@linkcode exchangeOverH2}. */
export interface OriginExchangeOptions {
  /** The longest wait for the origin's answer (504 beyond). */
  timeoutMs: number;
  /** The longest wait for the next piece of a streamed body (408 beyond). */
  bodyIdleMs: number;
  /**
   * The stream may be sent again: when the origin did not take it (`_h2_refusals.ts`) and the
   * proxy can send it as it went (no body, the body judged whole at admission, or a streamed
   * body it kept whole: `_h2_body_copy.ts`), the exchange ends with the request to send
   * instead of a 502.
   */
  again: boolean;
}

/** How an exchange ended: answered (or cut), or not taken, with the request to send again. */
export type OriginOutcome = "answered" | { again: OriginRequest };

// Request fields an HTTP/2 upstream must not get: the proxy sets :authority itself.
const DROPPED_REQUEST_FIELDS = new Set(["host", "content-length"]);
const DROPPED_RESPONSE_FIELDS = new Set(["connection", "keep-alive", "transfer-encoding"]);

/**
 * Send `outgoing` on the origin's session and relay its answer to `stream`.
 *
 * @returns "answered" once the answer was relayed (or cut); the request to send again when the
 *   origin did not process a stream that may be (nothing was answered to the client).
 * @throws {UpstreamError} When nothing could be relayed (the caller answers the stream).
 */
export function exchangeOverH2(
  stream: http2.ServerHttp2Stream,
  origin: OriginH2,
  outgoing: OriginRequest,
  { timeoutMs, bodyIdleMs, again }: OriginExchangeOptions,
): Promise<OriginOutcome> {
  const { body } = outgoing;
  const ended = body === undefined && stream.endAfterHeaders;
  const headers = requestHeaders(outgoing);
  const upstream = origin.session.request(headers, { endStream: ended });
  upstream.on("error", () => {});
  // Any end but the body's own is a reset: an aborted signal sends RST_STREAM CANCEL first (Deno
  // 2.9's `close(code)` sent END_STREAM ahead of it: see _h2_reset.ts). The signal is attached
  // only when the stream is cancelled: given to request(), every stream paid for its listeners
  // and end-of-stream watch (~0-18 µs a request in a node:http2 loop of ~95 µs).
  const cancel = () => resetStream(upstream);
  // A GOAWAY that leaves it out stops it at once: the origin will never answer it.
  const unwait = origin.refusals.awaitAnswer(upstream, cancel);
  // A streamed body is copied (while small) until the answer starts, to be sent again whole.
  const copy = again && body === undefined && !ended ? new BodyCopy(stream) : undefined;
  return new Promise((resolve, reject) => {
    if (body !== undefined) upstream.end(body);
    else if (!ended) {
      // The body is relayed as it comes, under the same idle limit as a body read whole.
      watchBodyIdle(stream, bodyIdleMs, () => {
        cancel();
        if (stream.headersSent) return resetStream(stream);
        const timeout = bodyTimeout();
        reject(new UpstreamError(timeout.status, timeout.code, timeout.detail));
      });
      const unkept = () => copy === undefined || copy.dropped;
      relayRequestBody(stream, upstream, outgoing, { cancel, reject, unkept }); // see its doc
    }
    const timer = setTimeout(() => {
      cancel();
      reject(new UpstreamError(504, "upstream_timeout", "Upstream did not answer in time"));
    }, timeoutMs);
    let trailers: http2.IncomingHttpHeaders | undefined;
    upstream.once("response", (response) => {
      clearTimeout(timer);
      unwait();
      copy?.drop();
      stream.respond(responseHeaders(response), { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(trailerFields(trailers)));
      // Nothing else keeps the answer's pieces: each is freed once the client stream took it.
      relayToClient(upstream, stream, { free: true });
      upstream.once("end", () => resolve("answered"));
    });
    upstream.once("trailers", (fields) => void (trailers = fields));
    upstream.once("close", () => {
      clearTimeout(timer);
      unwait();
      const resend = again && !stream.headersSent && origin.refusals.notTaken(upstream)
        ? sentAgain(outgoing, upstream, copy)
        : undefined;
      copy?.drop();
      if (resend !== undefined) return resolve({ again: resend });
      if (!stream.headersSent) {
        reject(new UpstreamError(502, "upstream_unreachable", "Upstream reset the stream"));
      } else if (!upstream.readableEnded) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      resolve("answered");
    });
    // The client gave up: so does the upstream stream.
    stream.once("close", () => {
      if (!upstream.closed) cancel();
    });
  });
}

/**
 * `outgoing` as it can go again, if it can: no body, the body it carried, or a streamed body
 * whose end went upstream (its guard decided it) and whose every byte the copy kept.
 */
function sentAgain(
  outgoing: OriginRequest,
  upstream: http2.ClientHttp2Stream,
  copy: BodyCopy | undefined,
): OriginRequest | undefined {
  if (copy === undefined) return outgoing;
  const body = upstream.writableEnded ? copy.bytes() : undefined;
  return body === undefined ? undefined : { ...outgoing, body };
}

function requestHeaders(outgoing: OriginRequest): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ":method": outgoing.request.method,
    ":path": outgoing.pathAndQuery,
    ":authority": outgoing.authority,
    ":scheme": "https",
  };
  for (const [name, value] of outgoing.request.fields) {
    if (DROPPED_REQUEST_FIELDS.has(name)) continue;
    const known = headers[name];
    headers[name] = known === undefined ? value : [...[known].flat().map(String), value];
  }
  return headers;
}

/** The origin's answer fields but hop-by-hop ones; its trailers but pseudo-fields. */
function responseHeaders(response: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  return fieldsBut(response, (name) => DROPPED_RESPONSE_FIELDS.has(name));
}

function trailerFields(trailers: http2.IncomingHttpHeaders | undefined): http2.OutgoingHttpHeaders {
  return fieldsBut(trailers ?? {}, (name) => name.startsWith(":"));
}

function fieldsBut(fields: http2.IncomingHttpHeaders, drop: (name: string) => boolean) {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !drop(name)));
}
