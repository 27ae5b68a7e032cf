/**
 * The upstream side of one intercepted HTTP/2 client session: the first stream opens a TLS
 * connection offering `h2` and `http/1.1`; when the origin picks `h2` every stream of the
 * session is multiplexed onto one upstream session (trailers relayed, which gRPC needs);
 * otherwise each stream is translated to HTTP/1.1 over pooled connections.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { TLSSocket } from "node:tls";
import type { BodyHold } from "./_body_slots.ts";
import { relayToClient } from "./_h2_backlog.ts";
import { originSession } from "./_h2_origin_session.ts";
import { resetStream } from "./_h2_reset.ts";
import type { BodyLease } from "../wire/mod.ts";
import { type AnswerShare, holdAnswer } from "./answer_budget.ts";
import { bodyTimeout, watchBodyIdle } from "./h2_body.ts";
import { http1BodyCloses, readHttp1Body } from "./h2_http1_body.ts";
import { exchangeOverPool } from "./h2_to_h1.ts";
import type { H2Request } from "./h2_request.ts";
import { gateInbound } from "../wire/mod.ts";
import type { ProxyContext } from "./proxy_context.ts";
import { type UpstreamConnection, UpstreamError, type UpstreamTarget } from "../upstream/mod.ts";
import { UpstreamLanes } from "../upstream/mod.ts";
import { type GuardedBody, relayRequestBody, wholeBody } from "./_h2_guarded_relay.ts";

/** What the origin spoke when the session's first stream reached it. */
type Origin = { kind: "h1" } | { kind: "h2"; session: http2.ClientHttp2Session };

/** An allowed stream, ready to go upstream. */
export interface H2Outgoing extends GuardedBody {
  /** The client's request. */
  request: H2Request;
  /** Canonical path plus `?` and the raw query when there is one. */
  pathAndQuery: string;
  /** The upstream authority (`:authority`, or `Host` over HTTP/1.1). */
  authority: string;
  /** The body already read and judged (GraphQL): exactly these bytes go upstream. */
  body?: Uint8Array;
  /** The stream's claim on its session's body slots, taken before a body is read whole. */
  hold?: BodyHold;
  /** The stream's share of the proxy's body budget (released when it is answered). */
  lease?: BodyLease;
}

// Request fields an HTTP/2 upstream must not get: the proxy sets :authority itself.
const DROPPED_REQUEST_FIELDS = new Set(["host", "content-length"]);
const DROPPED_RESPONSE_FIELDS = new Set(["connection", "keep-alive", "transfer-encoding"]);

/**
 * Forwards the allowed streams of one client session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "./_client_pair.ts";
 * import { h2Exchange } from "./_h2_exchange.ts";
 * import { h2Request } from "./h2_request.ts";
 * import { H2Upstream } from "./h2_upstream.ts";
 *
 * const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * const server = Deno.serve(listen, () => new Response("hi"));
 * await using pair = await clientPair("version: 1\n"); // for a proxy context
 * const target = { host: "a.test", port: server.addr.port, address: "127.0.0.1", tls: false };
 * const upstream = new H2Upstream(pair.ctx, target);
 * const answer = await h2Exchange(async (stream, headers) => {
 *   const request = h2Request(headers);
 *   if (typeof request === "string") throw new Error(request);
 *   await upstream.forward(stream, { request, pathAndQuery: "/x", authority: "a.test" });
 * });
 * assert.equal(answer.body, "hi");
 * upstream.close();
 * await server.shutdown();
 * ```
 */
export class H2Upstream {
  #ctx: ProxyContext;
  #target: UpstreamTarget;
  #origin: Promise<Origin> | undefined;
  /** The probe connection of an HTTP/1.1 origin, kept for the first stream. */
  #spare: UpstreamConnection | undefined;
  /** HTTP/1.1 connections in use at once, within the proxy's connection cap. */
  #lanes: UpstreamLanes;
  /** The session's share of the answer budget; none reserves nothing. */
  #answers: AnswerShare | undefined;

  /** A client session's streams to `target` (none opened yet), their answers held in `answers`. */
  constructor(ctx: ProxyContext, target: UpstreamTarget, answers?: AnswerShare) {
    this.#ctx = ctx;
    this.#target = target;
    this.#lanes = new UpstreamLanes(ctx.connectionSlot ?? (() => () => {}));
    this.#answers = answers;
  }

  /**
   * Forward one stream and relay its answer.
   *
   * @throws {UpstreamError} When nothing could be relayed (the caller answers the stream).
   * @throws {AnswerRefusedError} When the answer budget had no room in time (nothing was sent;
   *   see `answer_budget.ts`).
   */
  async forward(stream: http2.ServerHttp2Stream, outgoing: H2Outgoing): Promise<void> {
    this.#origin ??= this.#open();
    let origin: Origin;
    try {
      origin = await this.#origin;
    } catch (error) {
      this.#origin = undefined;
      throw error;
    }
    if (origin.kind === "h1") return await this.#overHttp1(stream, outgoing);
    if (origin.session.closed || origin.session.destroyed) {
      // The origin ended its session (GOAWAY, idle close): the next stream opens another.
      this.#origin = undefined;
      return await this.forward(stream, outgoing);
    }
    if (!await holdAnswer(this.#answers, stream)) return;
    await forwardOverH2(stream, origin.session, outgoing, {
      timeoutMs: this.#ctx.upstreamTimeoutMs,
      bodyIdleMs: this.#ctx.idleTimeoutMs,
    });
  }

  /** Close the upstream session (pooled HTTP/1.1 connections stay with the pool). */
  close(): void {
    this.#spare?.stream.destroy();
    this.#origin?.then((origin) => {
      if (origin.kind === "h2") origin.session.destroy();
    }, () => {});
  }

  async #open(): Promise<Origin> {
    const connection = await this.#ctx.pool.connect({ ...this.#target, alpn: ["h2", "http/1.1"] });
    const socket = connection.stream.socket as TLSSocket;
    if (socket.alpnProtocol !== "h2") {
      this.#spare = connection;
      return { kind: "h1" };
    }
    const early = connection.stream.detach();
    const transport = early.length === 0 ? socket : gateInbound(socket, early).stream;
    return { kind: "h2", session: originSession(transport, this.#target.host) };
  }

  async #overHttp1(stream: http2.ServerHttp2Stream, outgoing: H2Outgoing): Promise<void> {
    // Read for an HTTP/1.1 origin: only as many at once as the session has body slots.
    if (!stream.endAfterHeaders) await outgoing.hold?.take();
    const { idleTimeoutMs: idleMs, upstreamTimeoutMs: timeoutMs, pool } = this.#ctx;
    const { request, pathAndQuery, authority, guard } = outgoing;
    const limits = { idleMs, lease: outgoing.lease };
    const read = outgoing.body ?? await readHttp1Body(stream, request.head, limits);
    // Whatever read it (GraphQL admission too): a DELETE's body closes its connection after it.
    const closes = http1BodyCloses(request.head, read); // may throw (body_not_allowed.ts)
    // Past the cap, the first part is judged (and sent) before the rest streams, guarded.
    const spilled = "prefix" in read;
    const body = await wholeBody(spilled ? read.prefix : read, guard, !spilled); // may throw
    const rest = spilled ? { guard, idleMs } : undefined;
    const release = await this.#lanes.acquire();
    try {
      // Reset while it waited for a lane or room for its answer: nothing to send.
      if (stream.closed || stream.destroyed || !await holdAnswer(this.#answers, stream)) return;
      const [spare, target] = [this.#spare, this.#target];
      this.#spare = undefined;
      const exchange = { pool, target, spare, pathAndQuery, authority, body, closes };
      await exchangeOverPool(stream, request, { ...exchange, timeoutMs, rest });
    } finally {
      release();
    }
  }
}

/** One stream over the upstream HTTP/2 session: body streamed both ways, trailers relayed. */
function forwardOverH2(
  stream: http2.ServerHttp2Stream,
  session: http2.ClientHttp2Session,
  outgoing: H2Outgoing,
  { timeoutMs, bodyIdleMs }: { timeoutMs: number; bodyIdleMs: number },
): Promise<void> {
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
  const { body } = outgoing;
  const ended = body === undefined && stream.endAfterHeaders;
  // Any end but the body's own is a reset: an aborted signal sends RST_STREAM CANCEL first (Deno
  // 2.9's `close(code)` sent END_STREAM ahead of it: see _h2_reset.ts).
  const aborter = new AbortController();
  const cancel = () => aborter.abort();
  const upstream = session.request(headers, { endStream: ended, signal: aborter.signal });
  upstream.on("error", () => {});
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
      relayRequestBody(stream, upstream, outgoing, { cancel, reject }); // see its doc
    }
    const timer = setTimeout(() => {
      cancel();
      reject(new UpstreamError(504, "upstream_timeout", "Upstream did not answer in time"));
    }, timeoutMs);
    let trailers: http2.IncomingHttpHeaders | undefined;
    upstream.once("response", (response) => {
      clearTimeout(timer);
      stream.respond(responseHeaders(response), { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(trailerFields(trailers)));
      relayToClient(upstream, stream);
      upstream.once("end", () => resolve());
    });
    upstream.once("trailers", (fields) => void (trailers = fields));
    upstream.once("close", () => {
      clearTimeout(timer);
      if (!stream.headersSent) {
        reject(new UpstreamError(502, "upstream_unreachable", "Upstream reset the stream"));
      } else if (!upstream.readableEnded) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      resolve();
    });
    // The client gave up: so does the upstream stream.
    stream.once("close", () => {
      if (!upstream.closed) cancel();
    });
  });
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
