/**
 * One HTTP/2 stream forwarded over a pooled HTTP/1.1 connection (`h2_to_h1.ts` does the
 * exchange): a kept-alive connection the upstream closed before answering is replaced once, for
 * an idempotent request only.
 *
 * @module
 */

import type { ServerHttp2Stream } from "node:http2";
import { isIdempotent } from "../request/mod.ts";
import {
  type UpstreamConnection,
  UpstreamError,
  type UpstreamPool,
  type UpstreamTarget,
} from "../../upstream/mod.ts";
import type { H2Request } from "./h2_request.ts";
import { forwardOverHttp1, type Http1Exchange } from "./h2_to_h1.ts";

/** What {@linkcode exchangeOverPool} needs: a pool to take the connection from. */
export interface PooledExchange extends Omit<Http1Exchange, "upstream"> {
  /** The shared pool, and the destination in it. */
  pool: UpstreamPool;
  target: UpstreamTarget;
  /** A connection opened for this stream already (the session's ALPN probe). */
  spare?: UpstreamConnection;
}

/**
 * Forward one stream over a pooled HTTP/1.1 connection (or `spare`); when a kept-alive one
 * closes before answering, an idempotent request goes again, once, on a new connection.
 *
 * @throws {UpstreamError} When nothing could be relayed (the caller answers the stream).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { h2Request } from "./h2_request.ts";
 * import { exchangeOverPool } from "./exchange_over_pool.ts";
 * import { UpstreamPool } from "../../upstream/mod.ts";
 *
 * const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * const server = Deno.serve(listen, () => new Response("pooled"));
 * const pool = new UpstreamPool();
 * const target = { host: "a.test", port: server.addr.port, address: "127.0.0.1", tls: false };
 * const answer = await h2Exchange(async (stream, headers) => {
 *   const request = h2Request(headers);
 *   if (typeof request === "string") throw new Error(request);
 *   const body = new Uint8Array();
 *   const exchange = { pool, target, pathAndQuery: "/", authority: "a.test", body, timeoutMs: 5_000 };
 *   await exchangeOverPool(stream, request, exchange);
 * });
 * assert.equal(answer.body, "pooled");
 * pool.close();
 * await server.shutdown();
 * ```
 */
export async function exchangeOverPool(
  stream: ServerHttp2Stream,
  request: H2Request,
  exchange: PooledExchange,
): Promise<void> {
  const { pool, target } = exchange;
  let spare = exchange.spare;
  for (let attempt = 0;; attempt++) {
    const connection = spare ?? pool.takeIdle(target) ?? await pool.connect(target);
    spare = undefined;
    let outcome: boolean | "stale" = false;
    try {
      outcome = await forwardOverHttp1(stream, request, {
        ...exchange,
        upstream: connection.stream,
      });
    } finally {
      pool.release(connection, outcome === true);
    }
    // A stream reset meanwhile is owed nothing, not even a second try.
    if (outcome !== "stale" || stream.destroyed) return;
    // As over HTTP/1.1 (exchange.ts): a POST is never sent twice.
    if (!connection.reused || attempt > 0 || !isIdempotent(request.head.method)) {
      throw new UpstreamError(502, "upstream_unreachable", "Upstream closed the connection");
    }
  }
}
