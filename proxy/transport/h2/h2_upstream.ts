/**
 * The upstream side of one intercepted HTTP/2 client session: the first stream opens a TLS
 * connection offering `h2` and `http/1.1`; when the origin picks `h2` every stream of the
 * session is multiplexed onto one upstream session (trailers relayed, which gRPC needs);
 * otherwise each stream is translated to HTTP/1.1 over pooled connections.
 *
 * @module
 */

import type * as http2 from "node:http2";
import type { TLSSocket } from "node:tls";
import type { BodyHold } from "./_body_slots.ts";
import { type OriginH2, originSession } from "./_h2_origin_session.ts";
import { exchangeOverH2, type OriginRequest } from "./_h2_origin_exchange.ts";
import type { BodyLease } from "../../wire/mod.ts";
import { type AnswerShare, holdAnswer, type ProxyContext } from "../connection/mod.ts";
import { http1BodyCloses, readHttp1Body } from "./h2_http1_body.ts";
import { exchangeOverPool } from "./exchange_over_pool.ts";
import { gateInbound } from "../../wire/mod.ts";
import { type UpstreamConnection, UpstreamError, type UpstreamTarget } from "../../upstream/mod.ts";
import { MAX_LANES, UpstreamLanes } from "../../upstream/mod.ts";
import { wholeBody } from "./_h2_guarded_relay.ts";

/** What the origin spoke when the session's first stream reached it. */
type Origin = { kind: "h1" } | ({ kind: "h2" } & OriginH2);

/**
 * An allowed stream, ready to go upstream (`authority` is `:authority`, or `Host` over
 * HTTP/1.1; `body`, when given, was read and judged at admission: exactly these bytes go).
 */
export interface H2Outgoing extends OriginRequest {
  /** The stream's claim on its session's body slots, taken before a body is read whole. */
  hold?: BodyHold;
  /** The stream's share of the proxy's body budget (released when it is answered). */
  lease?: BodyLease;
}

/**
 * Forwards the allowed streams of one client session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { h2Exchange } from "../examples/mod.ts";
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
    this.#lanes = new UpstreamLanes(
      ctx.connectionSlot ?? (() => () => {}),
      MAX_LANES,
      ctx.laneTally,
    );
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
    const origin = await this.#current();
    if (origin.kind === "h1") return await this.#overHttp1(stream, outgoing);
    if (!await holdAnswer(this.#answers, stream)) return;
    const limits = { timeoutMs: this.#ctx.upstreamTimeoutMs, bodyIdleMs: this.#ctx.idleTimeoutMs };
    const first = await exchangeOverH2(stream, origin, outgoing, { ...limits, again: true });
    if (first === "answered" || stream.closed || stream.destroyed) return;
    // The origin did not take it (RFC 9113 §8.7): once more, as it went, on the session streams
    // go to now (a fresh one after its GOAWAY).
    const next = await this.#current();
    if (next.kind === "h1") {
      throw new UpstreamError(502, "upstream_unreachable", "Upstream reset the stream");
    }
    await exchangeOverH2(stream, next, first.again, { ...limits, again: false });
  }

  /** The origin's session streams go to now: another once it ended (GOAWAY, idle close). */
  async #current(): Promise<Origin> {
    for (;;) {
      const opening = this.#origin ??= this.#open();
      let origin: Origin;
      try {
        origin = await opening;
      } catch (error) {
        if (this.#origin === opening) this.#origin = undefined;
        throw error;
      }
      if (origin.kind === "h1" || !(origin.session.closed || origin.session.destroyed)) {
        return origin;
      }
      // Only the session that ended is forgotten (another stream may have opened the next).
      if (this.#origin === opening) this.#origin = undefined;
    }
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
    return { kind: "h2", ...originSession(transport, this.#target.host) };
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
