/**
 * The HTTP/2 origin of the `--scale` HTTP/2 rows: a `node:http2` TLS server (ALPN `h2` only)
 * answering as the HTTP/1.1 upstream does, so that an h2 client reaches an origin that speaks
 * h2 through the proxy (most public APIs do) and the proxy relays stream to stream.
 *
 * @module
 */

import * as http2 from "node:http2";
import { Buffer } from "node:buffer";
import type * as net from "node:net";
import type { Duplex } from "node:stream";
import { BODY_BYTES, BULK_PATH, type UpstreamOptions } from "./upstream_servers.ts";
import { join } from "node:path";
import { filterGoaway } from "../../proxy/transport/h2/mod.ts";
import { drainedOrClosed } from "../../proxy/wire/mod.ts";
import type { ChildProcesses } from "./child_processes.ts";
import { startScriptChild } from "./script_child.ts";

/** A running HTTP/2 origin. */
export interface H2Origin {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Close the server and every session. */
  close(): Promise<void>;
}

/**
 * The windows the bench's HTTP/2 client and origin open: 1 MiB a stream and 16 MiB a session,
 * as curl, Go, the browsers and the large public origins do (Node's default of 64 KiB would bound
 * every row by round trips, not by the proxy).
 */
export const H2_WINDOWS = { stream: 1024 * 1024, session: 16 * 1024 * 1024 } as const;

/** The response field that says how many body bytes an upload delivered. */
export const RECEIVED_FIELD = "x-received-bytes";

const SMALL = Buffer.alloc(BODY_BYTES, "x");
const PIECE = Buffer.alloc(256 * 1024, "x");

/**
 * Start the HTTP/2 origin on a loopback port: `GET /bulk/N` answers N bytes (written only as
 * fast as the client's window takes them), `POST /upload` swallows its body and answers how many
 * bytes came ({@linkcode RECEIVED_FIELD}), anything else the fixed 1 KiB body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as http2 from "node:http2";
 * import { startH2Origin } from "./h2_origin.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const origin = await startH2Origin(certs);
 * const session = http2.connect(`https://127.0.0.1:${origin.port}`, {
 *   ca: certs.caPem,
 *   servername: "bench.example",
 * });
 * const stream = session.request({ ":path": "/bulk/5" });
 * let body = "";
 * stream.setEncoding("latin1");
 * stream.on("data", (chunk: string) => body += chunk);
 * await new Promise((resolve) => stream.on("end", resolve));
 * assert.equal(body, "xxxxx");
 * await new Promise<void>((resolve) => session.close(resolve));
 * await origin.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startH2Origin(options: UpstreamOptions): Promise<H2Origin> {
  const sockets = new Set<Duplex>();
  const server = http2.createSecureServer({
    cert: options.chainPem,
    key: options.keyPem,
    settings: { initialWindowSize: H2_WINDOWS.stream },
  });
  // Every connection, even one whose session has not started yet, is closed by close().
  server.on("connection", (socket: net.Socket) => {
    // As the HTTP/1.1 origin's sockets (upstream_servers.ts) and real origins': Deno sets no
    // TCP_NODELAY by default, so a small frame (an answer's HEADERS, a WINDOW_UPDATE) could wait
    // behind an unacknowledged one (Nagle), which the HTTP/1.1 rows it is compared with never do.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // The proxy closes sessions it no longer needs with GOAWAY, which can abort a Deno origin
  // (denoland/deno#36788): keep it from this origin's sessions as the proxy keeps it from its own.
  server.on("secureConnection", (socket: Duplex) => filterGoaway(socket));
  server.on("session", (session) => {
    // Large windows, as the big public origins open: an upload is bounded by the proxy, not by
    // the origin's round trips.
    session.once("localSettings", () => session.setLocalWindowSize(H2_WINDOWS.session));
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const path = String(headers[":path"] ?? "");
    if (headers[":method"] === "POST") return swallow(stream);
    if (path.startsWith(BULK_PATH)) return void streamBulk(stream, Number(path.slice(6)));
    stream.respond({ ":status": 200, "content-length": BODY_BYTES });
    stream.end(SMALL);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function swallow(stream: http2.ServerHttp2Stream): void {
  let received = 0;
  stream.on("data", (chunk: Buffer) => received += chunk.length);
  stream.once("end", () => {
    if (stream.destroyed) return;
    stream.respond({ ":status": 200, [RECEIVED_FIELD]: received, "content-length": BODY_BYTES });
    stream.end(SMALL);
  });
}

async function streamBulk(stream: http2.ServerHttp2Stream, size: number): Promise<void> {
  stream.respond({ ":status": 200, "content-length": size });
  for (let left = size; left > 0 && !stream.destroyed;) {
    const piece = left >= PIECE.length ? PIECE : PIECE.subarray(0, left);
    left -= piece.length;
    if (!stream.write(piece)) await drainedOrClosed(stream);
  }
  if (!stream.destroyed) stream.end();
}

/**
 * Start the HTTP/2 origin in a child process of its own (`upstream_child.ts`), under
 * `children`, with its config file in `dir`; its port is the ready line's `h2Port`.
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: it starts a Deno child (seconds); rows_h2_test.ts starts one.
 * const origin = await spawnH2Origin(children, certs, dir);
 * ```
 */
export async function spawnH2Origin(
  children: ChildProcesses,
  options: UpstreamOptions,
  dir: string,
  cpus?: string,
): Promise<H2Origin> {
  const { child, ready } = await startScriptChild(children, {
    name: "HTTP/2 origin",
    script: new URL("./upstream_child.ts", import.meta.url),
    config: { ...options, h2: true },
    configFile: join(dir, "h2-origin.json"),
    inheritStderr: true,
    cpus,
  });
  return { port: ready.h2Port as number, close: () => child.stop() };
}
