/**
 * An HTTP/2-only TLS origin for end-to-end tests whose streams a test answers itself (an event
 * stream, a counting sink, a deaf origin), with a certificate from the test upstreams' CA so the
 * test proxy trusts it. Errors of sessions and streams are the test's to observe, never thrown.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { TestUpstreams } from "./test_upstreams.ts";

/** A running HTTP/2 origin. */
export interface H2Origin {
  /** Port on 127.0.0.1. */
  port: number;
  /** Stop the server and end every session. */
  close(): Promise<void>;
}

/**
 * Start an HTTP/2 origin for `hosts` that hands each stream to `onStream`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as http2 from "node:http2";
 * import { startH2Origin, startTestUpstreams } from "./mod.ts";
 *
 * const upstreams = await startTestUpstreams();
 * const origin = await startH2Origin(upstreams, ["localhost"], (stream: http2.ServerHttp2Stream) => {
 *   stream.respond({ ":status": 200 });
 *   stream.end("hi");
 * });
 * const session = http2.connect(`https://localhost:${origin.port}`, { ca: upstreams.caPem });
 * const stream = session.request({ ":path": "/" });
 * stream.setEncoding("utf8");
 * let body = "";
 * stream.on("data", (chunk) => body += chunk);
 * await new Promise((resolve) => stream.on("end", resolve));
 * session.close();
 * assert.equal(body, "hi");
 * await origin.close();
 * await upstreams.close();
 * ```
 */
export async function startH2Origin(
  upstreams: TestUpstreams,
  hosts: string[],
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  settings?: http2.Settings,
): Promise<H2Origin> {
  // The test upstreams' CA lives in <dir>/ca/ca.pem; loading it again signs one more leaf.
  const leaf = await upstreams.mintLeaf(hosts);
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createSecureServer({ cert: leaf.chainPem, key: leaf.keyPem, settings });
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    onStream(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
