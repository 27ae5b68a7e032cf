/**
 * An HTTP/2-only TLS upstream for end-to-end tests (node:http2, ALPN `h2` only), with a
 * certificate from the test upstreams' CA so the test proxy trusts it. `/grpc/...` answers
 * like a gRPC server (`application/grpc`, `grpc-status` trailers); anything else echoes the
 * request as JSON `{protocol, method, path, authority, body, te}`.
 *
 * @module
 */

import type * as http2 from "node:http2";
import { startH2Origin } from "./h2_origin.ts";
import type { TestUpstreams } from "./test_upstreams.ts";

/** One request the HTTP/2 upstream received. */
export interface H2Recorded {
  /** The `:method` pseudo-header. */
  method: string;
  /** The `:path` pseudo-header. */
  path: string;
  /** The `:authority` pseudo-header, when sent. */
  authority: string | undefined;
  /** The whole request body, as text. */
  body: string;
}

/** A running HTTP/2 upstream. */
export interface H2TestUpstream {
  /** Port on 127.0.0.1. */
  port: number;
  /** Requests received, in order. */
  requests: H2Recorded[];
  /** Stop the server and every session. */
  close(): Promise<void>;
}

/**
 * Start an HTTP/2-only upstream with a certificate for `hosts`, signed by `upstreams`' CA.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as http2 from "node:http2";
 * import { startH2Upstream, startTestUpstreams } from "./mod.ts";
 *
 * const upstreams = await startTestUpstreams();
 * const h2 = await startH2Upstream(upstreams, ["localhost"]);
 * const session = http2.connect(`https://localhost:${h2.port}`, { ca: upstreams.caPem });
 * const stream = session.request({ ":path": "/echo" });
 * stream.resume();
 * await new Promise((resolve) => stream.on("end", resolve).end());
 * session.close();
 * assert.equal(h2.requests[0]?.path, "/echo");
 * await h2.close();
 * await upstreams.close();
 * ```
 */
export async function startH2Upstream(
  upstreams: TestUpstreams,
  hosts: string[],
): Promise<H2TestUpstream> {
  const requests: H2Recorded[] = [];
  const origin = await startH2Origin(upstreams, hosts, (stream, headers) => {
    let body = "";
    stream.setEncoding("latin1");
    stream.on("data", (chunk: string) => void (body += chunk));
    stream.on("end", () => {
      // A stream the proxy reset has no request to answer.
      if (stream.destroyed || stream.closed) return;
      const path = String(headers[":path"]);
      const method = String(headers[":method"]);
      const authority = headers[":authority"] as string | undefined;
      requests.push({ method, path, authority, body });
      if (path.startsWith("/grpc/")) return answerGrpc(stream, body);
      const echo = { protocol: "h2", method, path, authority, body, te: headers.te ?? null };
      stream.respond({ ":status": 200, "content-type": "application/json" });
      stream.end(JSON.stringify(echo));
    });
  });
  return { port: origin.port, requests, close: origin.close };
}

function answerGrpc(stream: http2.ServerHttp2Stream, body: string): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, {
    waitForTrailers: true,
  });
  stream.once("wantTrailers", () => {
    stream.sendTrailers({ "grpc-status": "0", "grpc-message": `echo ${body.length}` });
  });
  stream.end(`reply:${body}`);
}
