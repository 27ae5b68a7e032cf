/**
 * One HTTP/2 stream forwarded over an HTTP/1.1 upstream connection: the body (read whole
 * beforehand by `h2_http1_body.ts`, under the same cap as a chunked HTTP/1.1 body; past it, that
 * first part, then the rest as it comes, `relay_h2_body_rest.ts`) after the head written by the
 * HTTP/1.1 path's serialiser, and the response relayed onto the stream without its HTTP/1.1
 * framing (over a pooled connection, retried once: `exchange_over_pool.ts`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { ServerHttp2Stream } from "node:http2";
import type { ByteStream, ResponseHead } from "../../wire/mod.ts";
import { relayChunkedDecoded, relayUntilEnd, youngCollector } from "../../wire/mod.ts";
import {
  bindsConnection,
  closeWithClient,
  type FormMethodGuard,
  requestHeadBytes,
} from "../request/mod.ts";
import type { H2Request } from "./h2_request.ts";
import { finalHead, h2ResponseHeaders } from "./_h2_response_head.ts";
import { UpstreamError } from "../../upstream/mod.ts";
import { writeToClient } from "./_h2_backlog.ts";
import { type BodyRest, relayH2BodyRest } from "./relay_h2_body_rest.ts";

/** What {@linkcode forwardOverHttp1} needs besides the stream and its request. */
export interface Http1Exchange {
  /** The HTTP/1.1 connection to send on. */
  upstream: ByteStream;
  pathAndQuery: string;
  authority: string;
  /** The whole request body, or its first part when `rest` is set. */
  body: Uint8Array;
  timeoutMs: number;
  /** Set when the body goes on past `body`: the rest streams from the client (`guard` on it). */
  rest?: StreamedRest;
  /** Send `Connection: close` and never pool the connection after (a DELETE's body). */
  closes?: boolean;
}

/** How the rest of a body past the cap streams: past its guard, under the body idle limit. */
export interface StreamedRest {
  guard?: FormMethodGuard;
  idleMs: number;
}

/**
 * Send `request` over the HTTP/1.1 connection `upstream` and answer `stream` with the response.
 *
 * @returns True when the upstream connection may carry another request; `"stale"` when it
 *   closed before answering (nothing was sent to `stream`).
 * @throws {UpstreamError} When no usable response head arrives (nothing was sent to `stream`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { h2Request } from "./h2_request.ts";
 * import { forwardOverHttp1 } from "./h2_to_h1.ts";
 * import { UpstreamPool } from "../../upstream/mod.ts";
 *
 * const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * const server = Deno.serve(listen, () => new Response("from HTTP/1.1"));
 * const pool = new UpstreamPool();
 * const target = { host: "a.test", port: server.addr.port, address: "127.0.0.1", tls: false };
 * const answer = await h2Exchange(async (stream, headers) => {
 *   const request = h2Request(headers);
 *   if (typeof request === "string") throw new Error(request);
 *   const { stream: upstream } = await pool.acquire(target);
 *   const body = new Uint8Array();
 *   const exchange = { upstream, pathAndQuery: "/", authority: "a.test", body, timeoutMs: 5_000 };
 *   await forwardOverHttp1(stream, request, exchange);
 * });
 * assert.equal(answer.body, "from HTTP/1.1");
 * pool.close();
 * await server.shutdown();
 * ```
 */
export async function forwardOverHttp1(
  stream: ServerHttp2Stream,
  request: H2Request,
  exchange: Http1Exchange,
): Promise<boolean | "stale"> {
  // A stream reset (or its session gone) is owed nothing: its upstream closes at once.
  const stop = closeWithClient(stream, exchange.upstream);
  const streamed: Streamed = {};
  let response: ResponseHead | "stale";
  try {
    response = await relayOverHttp1(stream, request, exchange, streamed);
  } finally {
    stop();
    streamed.rest?.stop(); // answered before the body ended: the rest is not read for it
  }
  if (response === "stale") return "stale";
  if (response.framing.kind !== "none") stream.end();
  const whole = exchange.rest === undefined || streamed.sentAt !== undefined;
  const keep = response.keepAlive && !exchange.closes;
  return whole && keep && !bindsConnection(request.head.headers, response);
}

/** The rest of a body streaming upstream, and whether all of it went. */
interface Streamed {
  rest?: BodyRest;
  /** When all of it went. */
  sentAt?: number;
}

/** Send the request and relay the response but its end: its head, or "stale". */
async function relayOverHttp1(
  stream: ServerHttp2Stream,
  request: H2Request,
  exchange: Http1Exchange,
  streamed: Streamed,
): Promise<ResponseHead | "stale"> {
  const { upstream, body, rest, closes } = exchange;
  const { head } = request;
  const declared = head.framing.kind === "length" ? head.framing.length : undefined;
  const withBody = body.byteLength > 0 || declared !== undefined;
  const length = rest !== undefined
    ? declared ?? "chunked"
    : withBody || !["GET", "HEAD"].includes(head.method)
    ? body.byteLength
    : undefined;
  const bytes = requestHeadBytes(
    { head, pathAndQuery: exchange.pathAndQuery, authority: exchange.authority, closes },
    length,
    length === "chunked" ? body.byteLength : undefined, // the part read: the first chunk
  );
  // A pooled socket the upstream closed fails the write at once: nothing reached it.
  // A large body goes after the head, not copied into one buffer with it (twice in memory).
  const sent = body.byteLength > 0 && body.byteLength <= 64 * 1024
    ? [upstream.write(Buffer.concat([bytes, body]))]
    : [upstream.write(bytes), body.byteLength > 0 ? upstream.write(body) : undefined];
  const written = await Promise.all(sent).then(() => true, () => false);
  if (written === false) return "stale";
  // Past the cap, the rest streams while the answer is awaited (an early answer must not
  // deadlock); once any of it is read, the request is never sent again ("stale" is a 502).
  let failed: unknown;
  if (rest !== undefined) {
    const left = declared === undefined ? undefined : declared - body.byteLength;
    // Written, not `forward()`ed: a stream's pieces may share a buffer that forward() would
    // free under a later one (a "detached ArrayBuffer" 502 mid-upload).
    streamed.rest = relayH2BodyRest(stream, (piece) => upstream.write(piece), { ...rest, left });
    streamed.rest.done.then(() => void (streamed.sentAt = Date.now()), (error) => {
      failed = error;
      upstream.destroy(); // never completed: the origin must not act on part of it
    });
  }
  let response: ResponseHead | "stale";
  try {
    const streaming = rest && { sentAt: () => streamed.sentAt };
    response = await finalHead(upstream, head.method, exchange.timeoutMs, streaming);
  } catch (error) {
    throw failed ?? error;
  }
  if (response === "stale" && rest === undefined) return "stale";
  if (response === "stale") throw failed ?? STALE;
  stream.respond(h2ResponseHeaders(response), { endStream: response.framing.kind === "none" });
  // As ByteStream.forward() does: the answer's reads are fresh buffers only a collection frees.
  const collect = youngCollector();
  const write = (piece: Uint8Array) => (collect(piece.byteLength), writeStream(stream, piece));
  const { framing } = response;
  if (framing.kind === "length") await upstream.readExactly(framing.length, write);
  else if (framing.kind === "chunked") await relayChunkedDecoded(upstream, write);
  else if (framing.kind === "close") await relayUntilEnd(upstream, write);
  return response;
}

const STALE = new UpstreamError(502, "upstream_unreachable", "Upstream closed the connection");

/** Write with backpressure; throws once the client has reset the stream. */
function writeStream(stream: ServerHttp2Stream, piece: Uint8Array): Promise<void> | undefined {
  if (stream.destroyed) throw new UpstreamError(502, "client_gone", "The client reset the stream");
  // Deno's stream takes every byte the client's window allows: its socket says when to wait.
  return writeToClient(stream, piece);
}
