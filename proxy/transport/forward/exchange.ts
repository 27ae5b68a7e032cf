/**
 * One allowed request, forwarded: body framing settled (a chunked body is decoded and checked
 * whole before anything goes upstream, up to the chunked-body cap; past it, the rest is framed
 * anew as it comes, watched across reloads as a Content-Length body is), the head rewritten (canonical path, hop-by-hop headers
 * removed), the response relayed with its framing validated, both connections kept alive when
 * the protocol allows it.
 *
 * @module
 */

import { ProtocolError, ReadTimeoutError } from "../../wire/mod.ts";
import {
  BODY_TIMEOUT_DETAIL,
  type ClientConnection,
  MAX_CHUNKED_BODY_BYTES,
  sendError,
  TOO_MANY_BODIES,
} from "../connection/mod.ts";
import { type ChunkedPrefix, readChunkedPrefix } from "../../wire/mod.ts";
import { sendAndRelay } from "./_send_and_relay.ts";
import { values } from "../../wire/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import {
  bodyLineVerdict,
  bodyNotAllowed,
  type BodyStop,
  BodyStoppedError,
  closesAfterBody,
  isIdempotent,
  isWebSocketUpgrade,
  type OutgoingRequest,
  requestHeadBytes,
  requestLineDetail,
  sendUpstreamError,
} from "../request/mod.ts";
import { BodyBudgetSpentError } from "../../wire/mod.ts";
import { concat } from "../../wire/mod.ts";
import { exchangeUpgrade } from "../upgrade_relay/mod.ts";
import type { UpstreamConnection, UpstreamTarget } from "../../upstream/mod.ts";

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/**
 * Forward one allowed request to `target` and relay the response.
 *
 * @returns True when the client connection may carry another request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { exchange } from "./exchange.ts";
 * import { readRequest } from "../connection/mod.ts";
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
  // Judged only now that the policy allowed the request: a denied one got its 403 whatever
  // body it announced (the connection closed, its body unread).
  const bodyless = bodyNotAllowed(head);
  if (bodyless !== undefined) return await refuse(client, bodyless);
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
  // The body part that arrived with the head (it leaves with it): never sent twice, since a
  // request with a streamed body is never retried.
  let early = streamed > 0 ? client.stream.takeBuffered(streamed) : undefined;
  // A DELETE's body goes only when its first line is no request line, on a connection that
  // closes after it (see body_not_allowed.ts).
  const closes = closesAfterBody(head);
  if (closes) {
    const first = body ?? await firstLine(client, early ?? new Uint8Array(0), streamed);
    if (first === false) return false;
    if (bodyLineVerdict(first, spill === undefined && first.byteLength >= streamed) !== "data") {
      return await refuse(client, requestLineDetail(head.method));
    }
    if (body === undefined) early = first;
  }
  // The guard sees what is at hand before anything is sent: a buffered body (or the first part
  // of a chunked one past the cap), all of a small one, or the first part of a streamed one
  // (the rest is seen piece by piece).
  const known = body ?? (early?.byteLength === streamed ? early : undefined);
  const seen = known ?? early;
  const stop = seen && request.guard?.check(seen, seen === known && spill === undefined);
  if (stop && await stop) return await answerStop(client, request.guard!.stopped!);
  const bytes = spill === undefined
    ? requestHeadBytes({ ...request, closes }, contentLength(head, body))
    : requestHeadBytes({ ...request, closes }, "chunked", body!.byteLength);
  for (let attempt = 0;; attempt++) {
    let connection: UpstreamConnection;
    try {
      connection = client.bound.take(target) ?? client.ctx.pool.takeIdle(target) ??
        await client.ctx.pool.connect(target);
    } catch (error) {
      await sendUpstreamError(client, error);
      return false;
    }
    const guard = known === undefined || spill !== undefined ? request.guard : undefined;
    const payload = { bytes, body, streamed, early, spill, grant: request, guard, closes };
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

/**
 * A sized body's first bytes, read on from `early` until its first line can be judged (or all
 * `length` bytes are in); false once an error was answered. Bytes past the body are put back.
 */
async function firstLine(
  client: ClientConnection,
  early: Uint8Array,
  length: number,
): Promise<Uint8Array | false> {
  let bytes = early;
  try {
    while (bodyLineVerdict(bytes, bytes.byteLength >= length) === undefined) {
      const chunk = await client.stream.read();
      if (chunk === null) return false; // the client left mid-body: nothing to forward
      const wanted = length - bytes.byteLength;
      client.stream.unread(chunk.subarray(wanted));
      bytes = concat(bytes, chunk.subarray(0, wanted));
    }
  } catch (error) {
    if (!(error instanceof ReadTimeoutError)) throw error;
    await sendError(client.stream, 408, "request_timeout", BODY_TIMEOUT_DETAIL);
    return false;
  }
  return bytes;
}

async function refuse(client: ClientConnection, detail: string): Promise<false> {
  await sendError(client.stream, 400, "bad_request", detail);
  return false;
}

function contentLength(head: RequestHead, body: Uint8Array | undefined): number | undefined {
  if (body !== undefined) return body.byteLength;
  if (head.framing.kind === "length") return head.framing.length;
  return values(head.headers, "content-length").length > 0 ? 0 : undefined;
}

/** Answer a body the guard stopped before anything of it went upstream. */
async function answerStop(client: ClientConnection, stop: BodyStop): Promise<false> {
  await sendUpstreamError(client, new BodyStoppedError(stop));
  return false;
}
