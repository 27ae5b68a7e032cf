/**
 * Relay one upstream response to the client: interim responses swallowed, the head rewritten
 * for the client hop, the body copied with its framing validated.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { latin1Bytes } from "../../wire/mod.ts";
import type { ByteStream } from "../../wire/mod.ts";
import type { ClientConnection } from "../connection/mod.ts";
import { bindsConnection } from "./connection_auth.ts";
import { relayChunked, relayChunkedDecoded, relayUntilEnd } from "../../wire/mod.ts";
import { parseResponseHead, type RequestHead, type ResponseHead } from "../../wire/mod.ts";
import { readHeadAfterBody, type StreamingBody } from "./head_after_body.ts";
import { UpstreamError } from "../../upstream/mod.ts";
import { closeWithClient } from "./close_with_client.ts";

/** How an exchange ended. */
export type RelayOutcome =
  | {
    kind: "done";
    clientReusable: boolean;
    upstreamReusable: boolean;
    /** It authenticated the upstream connection (NTLM, Negotiate): for this client alone. */
    authenticates: boolean;
  }
  /** Upstream closed before answering: a kept-alive connection that went stale. */
  | { kind: "stale" }
  /** `responded`: part of a response already reached the client (close it, send nothing). */
  | { kind: "failed"; responded: boolean; error: unknown };

const RESPONSE_HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "upgrade",
]);

/**
 * Read the response to `request` from `upstream` and copy it to the client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { relayResponse } from "./relay_response.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * const server = Deno.serve(listen, () => new Response("hi"));
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n");
 * const head = (await readRequest(pair.client, true))!;
 * const target = { host: "a.test", port: server.addr.port, address: "127.0.0.1", tls: false };
 * const upstream = await pair.ctx.pool.acquire(target);
 * await upstream.stream.write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
 * const outcome = await relayResponse(pair.client, upstream.stream, head);
 * assert.equal(outcome.kind, "done");
 * assert.match(await pair.received(), /\r\n\r\nhi$/);
 * upstream.stream.destroy();
 * await server.shutdown();
 * ```
 */
export async function relayResponse(
  client: ClientConnection,
  upstream: ByteStream,
  request: RequestHead,
  body?: StreamingBody,
): Promise<RelayOutcome> {
  const socket = client.stream.socket;
  const stop = closeWithClient(socket, upstream);
  try {
    const outcome = await relay(client, upstream, request, body);
    // A client gone is owed nothing: no retry on a new connection, no pooling.
    if (!socket.destroyed) return outcome;
    const error = new UpstreamError(502, "client_gone", "The client closed its connection");
    return { kind: "failed", responded: true, error };
  } finally {
    stop();
  }
}

async function relay(
  client: ClientConnection,
  upstream: ByteStream,
  request: RequestHead,
  body: StreamingBody | undefined,
): Promise<RelayOutcome> {
  const head = await readFinalHead(client, upstream, request.method, body);
  if (!("status" in head)) return head;
  const dechunk = head.framing.kind === "chunked" && request.version === "HTTP/1.0";
  const keepClient = request.keepAlive && head.framing.kind !== "close" && !dechunk;
  try {
    const headBytes = responseHeadBytes(head, keepClient, request.version, dechunk);
    await relayBody(upstream, head, headBytes, dechunk, client.stream);
  } catch (error) {
    return { kind: "failed", responded: true, error };
  }
  const authenticates = bindsConnection(request.headers, head);
  return {
    kind: "done",
    clientReusable: keepClient,
    upstreamReusable: head.keepAlive,
    authenticates,
  };
}

async function relayBody(
  upstream: ByteStream,
  head: ResponseHead,
  headBytes: Uint8Array,
  dechunk: boolean,
  client: ByteStream,
): Promise<void> {
  const { framing } = head;
  const write = (bytes: Uint8Array) => client.write(bytes);
  const forward = (bytes: Uint8Array) => client.forward(bytes);
  if (framing.kind === "length") {
    // Usually the whole body came with the head: send both in one write.
    const first = upstream.takeBuffered(framing.length);
    await write(first.byteLength === 0 ? headBytes : Buffer.concat([headBytes, first]));
    return await upstream.readExactly(framing.length - first.byteLength, forward);
  }
  await write(headBytes);
  if (framing.kind === "chunked") {
    await (dechunk ? relayChunkedDecoded(upstream, write) : relayChunked(upstream, write));
  } else if (framing.kind === "close") await relayUntilEnd(upstream, forward);
}

async function readFinalHead(
  client: ClientConnection,
  upstream: ByteStream,
  method: string,
  body: StreamingBody | undefined,
): Promise<ResponseHead | Exclude<RelayOutcome, { kind: "done" }>> {
  const wait = client.ctx.upstreamTimeoutMs;
  for (let interim = 0;; interim++) {
    const read = await readHeadAfterBody(upstream, wait, body); // counted from the body's end
    if (read.kind === "eof") {
      return interim === 0 ? { kind: "stale" } : failed(502, "Upstream closed the connection");
    }
    if (read.kind === "timeout") {
      const error = new UpstreamError(504, "upstream_timeout", "Upstream did not answer in time");
      return { kind: "failed", responded: false, error };
    }
    if (read.kind === "too_large") return failed(502, "Upstream response head is too large");
    if (read.kind === "bare_lf") return failed(502, "Bare LF in upstream response head");
    // "tls" is answered only to a caller that asks for it, never here.
    if (read.kind === "tls") return failed(502, "Upstream response head is not HTTP");
    const parsed = parseResponseHead(read.bytes, method);
    if (!parsed.ok) return failed(502, parsed.error.detail);
    if (parsed.head.status === 101) {
      return failed(502, "Upstream switched protocols without an upgrade request");
    }
    // 100 Continue was already answered by the proxy; other interim responses are advisory.
    if (parsed.head.status >= 200) return parsed.head;
  }
}

function failed(status: number, detail: string): Exclude<RelayOutcome, { kind: "done" }> {
  const error = new UpstreamError(status, "upstream_protocol_error", detail);
  return { kind: "failed", responded: false, error };
}

function responseHeadBytes(
  head: ResponseHead,
  keepClient: boolean,
  clientVersion: string,
  dechunk: boolean,
): Uint8Array {
  const dropped = head.connectionTokens;
  let text = `HTTP/1.1 ${head.status} ${head.reason}\r\n`;
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (RESPONSE_HOP_BY_HOP.has(lower) || dropped.has(lower)) continue;
    if (dechunk && (lower === "transfer-encoding" || lower === "trailer")) continue;
    // The length read is the length sent, once: never a list a client may read its own way.
    if (head.framing.kind === "length" && lower === "content-length") continue;
    text += `${name}: ${value}\r\n`;
  }
  if (head.framing.kind === "length") text += `Content-Length: ${head.framing.length}\r\n`;
  if (!keepClient) text += "Connection: close\r\n";
  else if (clientVersion === "HTTP/1.0") text += "Connection: keep-alive\r\n";
  return latin1Bytes(`${text}\r\n`);
}
