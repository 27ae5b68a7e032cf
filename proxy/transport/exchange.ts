/**
 * One allowed request, forwarded: body framing settled (a chunked body is decoded and checked
 * whole before anything goes upstream, up to the chunked-body cap; past it, the rest is framed
 * anew as it comes, watched across reloads as a Content-Length body is), the head rewritten (canonical path, hop-by-hop headers
 * removed), the response relayed with its framing validated, both connections kept alive when
 * the protocol allows it.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { ProtocolError, ReadTimeoutError } from "./protocol_error.ts";
import type { ByteStream } from "./byte_stream.ts";
import type { ClientConnection } from "./client_connection.ts";
import { type ChunkedPrefix, readChunkedPrefix, relayChunkedRest } from "./http1_body.ts";
import { values } from "./header_fields.ts";
import type { RequestHead } from "./http1_head.ts";
import { MAX_CHUNKED_BODY_BYTES } from "./proxy_context.ts";
import { type RelayOutcome, relayResponse } from "./relay_response.ts";
import { watchGrant } from "./_watch_grant.ts";
import { BODY_TIMEOUT_DETAIL, sendError, TOO_MANY_BODIES } from "./responses.ts";
import { BodyBudgetSpentError } from "./body_budget.ts";
import { exchangeUpgrade, isWebSocketUpgrade } from "./upgrade.ts";
import {
  isIdempotent,
  type OutgoingRequest,
  requestHeadBytes,
  sendUpstreamError,
} from "./upstream_request.ts";
import { type UpstreamConnection, UpstreamError, type UpstreamTarget } from "./upstream_pool.ts";

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const JOIN_LIMIT = 64 * 1024;

/**
 * Forward one allowed request to `target` and relay the response.
 *
 * @returns True when the client connection may carry another request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "./_client_pair.ts";
 * import { exchange } from "./exchange.ts";
 * import { readRequest } from "./request_reader.ts";
 *
 * const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * const server = Deno.serve(listen, () => new Response("hi"));
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n");
 * const head = (await readRequest(pair.client, true))!; // decided allowed by the caller
 * const target = { host: "a.test", port: server.addr.port, address: "127.0.0.1", tls: false };
 * const request = { head, pathAndQuery: "/x", authority: "a.test" };
 * const keepGoing = await exchange(pair.client, request, target);
 * assert.equal(keepGoing, true);
 * assert.match(await pair.received(), /^HTTP\/1.1 200 OK\r\n[^]*\r\n\r\nhi$/);
 * await server.shutdown();
 * ```
 */
export async function exchange(
  client: ClientConnection,
  request: OutgoingRequest,
  target: UpstreamTarget,
): Promise<boolean> {
  const { head } = request;
  if (isWebSocketUpgrade(head)) return await exchangeUpgrade(client, request, target);
  const read = request.body;
  if (head.expectContinue && head.framing.kind !== "none" && !read) {
    await client.stream.write(CONTINUE);
  }
  // Every `await` below is skipped when its answer is already there: each costs a turn.
  const prefix = read
    ? { body: read }
    : head.framing.kind === "chunked"
    ? await bufferedBody(client)
    : undefined;
  if (prefix === false) return false;
  const { body, left: spill } = prefix ?? {};
  const streamed = head.framing.kind === "length" && !read ? head.framing.length : 0;
  const bytes = spill === undefined
    ? requestHeadBytes(request, contentLength(head, body))
    : requestHeadBytes(request, "chunked", body!.byteLength);
  for (let attempt = 0;; attempt++) {
    let connection: UpstreamConnection;
    try {
      connection = client.bound.take(target) ?? client.ctx.pool.takeIdle(target) ??
        await client.ctx.pool.connect(target);
    } catch (error) {
      await sendUpstreamError(client, error);
      return false;
    }
    const payload = { bytes, body, streamed, spill, grant: request };
    const outcome = await sendAndRelay(client, connection, head, payload);
    // A kept-alive upstream may have closed just before we wrote: retry once, on a new
    // connection, when nothing of the request body was consumed from the client and the
    // method is idempotent (RFC 9112 §9.3.1.1): the upstream may have acted on a POST before
    // it closed, and a second one would act twice.
    const retry = connection.reused && streamed === 0 && spill === undefined && attempt === 0 &&
      isIdempotent(head.method);
    if (outcome.kind === "stale" && retry) continue;
    if (outcome.kind === "stale") {
      await sendError(client.stream, 502, "upstream_unreachable", "Upstream closed the connection");
      return false;
    }
    if (outcome.kind === "failed") {
      if (!outcome.responded) await sendUpstreamError(client, outcome.error);
      return false;
    }
    return head.keepAlive && outcome.clientReusable;
  }
}

/**
 * The decoded chunked body of the request (its first bytes, and where the rest starts, past
 * the cap), or false once an error was answered.
 */
async function bufferedBody(client: ClientConnection): Promise<ChunkedPrefix | false> {
  try {
    return await readChunkedPrefix(client.stream, MAX_CHUNKED_BODY_BYTES, { lease: client.body });
  } catch (error) {
    if (error instanceof BodyBudgetSpentError) {
      await sendError(client.stream, 503, TOO_MANY_BODIES, error.message);
    } else if (error instanceof ReadTimeoutError) {
      await sendError(client.stream, 408, "request_timeout", BODY_TIMEOUT_DETAIL);
    } else {
      const detail = error instanceof ProtocolError ? error.message : "Invalid chunked body";
      await sendError(client.stream, 400, "bad_request", `Invalid chunked body: ${detail}`);
    }
    return false;
  }
}

interface Payload {
  /** The rewritten head. */
  bytes: Uint8Array;
  /** A body already buffered (decoded chunked). */
  body: Uint8Array | undefined;
  /** Content-Length bytes still to copy from the client. */
  streamed: number;
  /** Past the chunked-body cap: data bytes of the client's current chunk still to copy. */
  spill: number | undefined;
  /** Asked again at reloads while the body streams (see `_watch_grant.ts`). */
  grant: Pick<OutgoingRequest, "stillAllowed" | "since">;
}

async function sendAndRelay(
  client: ClientConnection,
  connection: UpstreamConnection,
  request: RequestHead,
  { bytes, body, streamed, spill, grant }: Payload,
): Promise<RelayOutcome> {
  const upstream = connection.stream;
  // The body part that arrived with the head leaves with it, in one write.
  const first = body ?? (streamed > 0 ? client.stream.takeBuffered(streamed) : undefined);
  const rest = streamed - (body === undefined ? first?.byteLength ?? 0 : 0);
  const pump = rest > 0
    ? (sink: (piece: Uint8Array) => Promise<void> | undefined) =>
      client.stream.readExactly(rest, sink)
    : spill === undefined
    ? undefined
    : async (sink: (piece: Uint8Array) => Promise<void> | undefined) => {
      // The prefix went as one chunk (its size line in the head): end it, then the rest.
      if (first?.byteLength) await sink(new Uint8Array([13, 10]));
      await relayChunkedRest(client.stream, spill, sink);
    };
  let pumped = pump === undefined;
  let stalled = false;
  let malformed: Error | undefined;
  let revoked = false;
  let outcome: RelayOutcome;
  let unwatch = () => {};
  try {
    // A large buffered body is written after the head, not copied into one buffer with it:
    // the copy would hold the body twice while it goes out, beyond what the budget counts.
    const written = first !== undefined && first.byteLength <= JOIN_LIMIT
      ? upstream.write(first.byteLength > 0 ? Buffer.concat([bytes, first]) : bytes)
      : writeApart(upstream, bytes, first);
    // While the exchange is in work (its body fed by the client, its answer streaming from the
    // origin: an event stream, a long download), a reload that no longer allows it ends it.
    unwatch = watchGrant(client.ctx.holder, grant.stillAllowed, grant.since, () => {
      revoked = true;
      upstream.destroy();
      client.stream.destroy();
    });
    // The rest streams while the response is awaited (an early answer must not deadlock).
    if (pump) {
      pump((piece) => upstream.forward(piece)).then(
        () => void (pumped = true),
        (error) => {
          // A client that stops or leaves mid-body: the request can never be completed, so
          // end the exchange now rather than at the upstream's answer timeout.
          stalled = error instanceof ReadTimeoutError;
          if (!stalled && error instanceof ProtocolError && spill !== undefined) malformed = error;
          upstream.destroy();
        },
      );
    }
    if (written) await written;
    outcome = await relayResponse(client, upstream, request);
  } catch (error) {
    outcome = { kind: "failed", responded: false, error };
  } finally {
    unwatch();
  }
  // Ended by a reload: never retried on a new connection, and nobody is left to answer.
  if (revoked) outcome = { kind: "failed", responded: true, error: new Error("rule revoked") };
  const reusable = outcome.kind === "done" && outcome.upstreamReusable && pumped;
  // Once authenticated, a connection speaks for this client until it closes, whatever the
  // later requests on it carry.
  const authenticates = outcome.kind === "done" && outcome.authenticates;
  const bound = reusable && (connection.bound || authenticates);
  if (bound) client.bound.keep({ ...connection, bound: true });
  else client.ctx.pool.release(connection, reusable);
  if (stalled && outcome.kind !== "done" && !(outcome.kind === "failed" && outcome.responded)) {
    const error = new UpstreamError(408, "request_timeout", BODY_TIMEOUT_DETAIL);
    return { kind: "failed", responded: false, error };
  }
  if (malformed && outcome.kind !== "done" && !(outcome.kind === "failed" && outcome.responded)) {
    const detail = `Invalid chunked body: ${malformed.message}`;
    return {
      kind: "failed",
      responded: false,
      error: new UpstreamError(400, "bad_request", detail),
    };
  }
  if (outcome.kind === "done" && !pumped) return { ...outcome, clientReusable: false };
  return outcome;
}

/** Write `head`, then `body` when there is one; settles once both went out. */
function writeApart(
  upstream: ByteStream,
  head: Uint8Array,
  body: Uint8Array | undefined,
): Promise<void> | undefined {
  const first = upstream.write(head);
  const second = body === undefined ? undefined : upstream.write(body);
  return first && second ? Promise.all([first, second]).then(() => {}) : first ?? second;
}

function contentLength(head: RequestHead, body: Uint8Array | undefined): number | undefined {
  if (body !== undefined) return body.byteLength;
  if (head.framing.kind === "length") return head.framing.length;
  return values(head.headers, "content-length").length > 0 ? 0 : undefined;
}
