/**
 * One HTTP/2 request answered by a handler of server streams, for this folder's examples of
 * the HTTP/2 helpers: a cleartext `node:http2` server on a loopback port hands each stream to
 * the handler, and a `node:http2` client sends one request and reads the whole answer.
 * Everything is closed before it returns.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";

/** The request {@linkcode h2Exchange} sends. */
export interface H2ExchangeRequest {
  /** Request headers (`:path` defaults to `/`, `:method` to GET). */
  headers?: http2.OutgoingHttpHeaders;
  /** A body, sent as one chunk; none ends the stream with its headers. */
  body?: string;
  /** Leave the request stream open after the body (a body that stops arriving). */
  stall?: boolean;
}

/** What the client received. */
export interface H2Answer {
  /** The `:status` (0 when the stream was reset before a response). */
  status: number;
  /** Response headers. */
  headers: http2.IncomingHttpHeaders;
  /** The whole body, as text. */
  body: string;
}

/**
 * Send one request to a server whose streams (and their headers) go to `onStream`, and read
 * the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "./h2_exchange.ts";
 *
 * const answer = await h2Exchange((stream) => stream.respond({ ":status": 204 }, { endStream: true }));
 * assert.equal(answer.status, 204);
 * ```
 */
export async function h2Exchange(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => unknown,
  request: H2ExchangeRequest = {},
): Promise<H2Answer> {
  const server = http2.createServer();
  server.on("stream", (stream, headers) => void onStream(stream, headers));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  try {
    return await send(session, request);
  } finally {
    await new Promise<void>((resolve) => session.close(resolve));
    await new Promise((resolve) => server.close(resolve));
  }
}

function send(session: http2.ClientHttp2Session, request: H2ExchangeRequest): Promise<H2Answer> {
  const headers = { ":path": "/", ...request.headers };
  const endStream = request.body === undefined && !request.stall;
  const stream = session.request(headers, { endStream });
  if (request.body !== undefined) stream.write(request.body);
  if (!endStream && !request.stall) stream.end();
  return new Promise((resolve) => {
    const answer: H2Answer = { status: 0, headers: {}, body: "" };
    stream.on("response", (response) => {
      answer.headers = response;
      answer.status = Number(response[":status"] ?? 0);
    });
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => answer.body += chunk);
    stream.on("error", () => {});
    // A stalled request is still open when its answer ends: the answer is what counts.
    stream.on("end", () => stream.close());
    stream.on("close", () => resolve(answer));
  });
}
