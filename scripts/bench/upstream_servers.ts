/**
 * The benchmark's upstream: a minimal keep-alive HTTP/1.1 server on node:net answering every
 * request with a fixed 1 KiB body, and the same over node:tls (Deno's own TLS servers stall
 * ~44 ms on each new connection, which would swamp every "new connection" row).
 *
 * @module
 */

import { join } from "node:path";
import * as net from "node:net";
import * as tls from "node:tls";
import { Buffer } from "node:buffer";
import type { ChildProcesses } from "./child_processes.ts";
import { startScriptChild } from "./script_child.ts";

/** Size of the fixed response body. */
export const BODY_BYTES = 1024;

const RESPONSE = Buffer.concat([
  Buffer.from(
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" +
      `Content-Length: ${BODY_BYTES}\r\nConnection: keep-alive\r\n\r\n`,
    "latin1",
  ),
  Buffer.alloc(BODY_BYTES, "x"),
]);
const HEADER_END = Buffer.from("\r\n\r\n");
const MAX_HEAD = 64 * 1024;

/** Upstream servers on 127.0.0.1, wherever they run. */
export interface UpstreamPorts {
  /** Port of the plain HTTP upstream. */
  httpPort: number;
  /** Port of the HTTPS upstream. */
  httpsPort: number;
  /** Port of the HTTP/2 origin (`h2_origin.ts`), while the HTTP/2 rows' stage runs one. */
  h2Port?: number;
  /** Close both servers and every connection. */
  close(): Promise<void>;
}

/** Upstream servers running in this process. */
export interface Upstreams extends UpstreamPorts {
  /** Requests answered so far (both servers). */
  readonly served: number;
}

/** Options for {@linkcode startUpstreams}. */
export interface UpstreamOptions {
  /** Certificate chain and key (PEM) for the HTTPS server. */
  chainPem: string;
  /** Private key of the certificate (PEM). */
  keyPem: string;
}

/**
 * Start the HTTP and HTTPS upstreams on loopback, ephemeral ports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const up = await startUpstreams(await createTestCertificates(["bench.example"], dir));
 * const response = await fetch(`http://127.0.0.1:${up.httpPort}/ok/bench`);
 * assert.equal(response.status, 200);
 * await response.body?.cancel();
 * assert.equal(up.served, 1);
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startUpstreams(options: UpstreamOptions): Promise<Upstreams> {
  const counter = { served: 0 };
  const sockets = new Set<net.Socket>();
  const handle = (socket: net.Socket) => serve(socket, counter, sockets);
  const plain = net.createServer({ noDelay: true }, handle);
  const secure = tls.createServer({ cert: options.chainPem, key: options.keyPem }, handle);
  // node:tls servers take no noDelay option: set it on each accepted TCP socket.
  secure.on("connection", (socket: net.Socket) => socket.setNoDelay(true));
  const httpPort = await listen(plain);
  const httpsPort = await listen(secure);
  return {
    httpPort,
    httpsPort,
    get served() {
      return counter.served;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [plain, secure].map((server) =>
          new Promise<void>((resolve) => server.close(() => resolve()))
        ),
      );
    },
  };
}

function serve(socket: net.Socket, counter: { served: number }, sockets: Set<net.Socket>): void {
  sockets.add(socket);
  socket.setNoDelay(true);
  let buffer: Buffer = Buffer.alloc(0);
  // Bytes of an upload body still to swallow before its response.
  let upload = 0;
  socket.on("data", (chunk: Buffer) => {
    if (upload > 0) {
      const taken = Math.min(upload, chunk.length);
      upload -= taken;
      if (upload === 0) socket.write(RESPONSE);
      if (taken === chunk.length) return;
      chunk = chunk.subarray(taken);
    }
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    let end: number;
    // One response per request head; only the scale rows' bulk requests carry or ask for more.
    while ((end = buffer.indexOf(HEADER_END)) >= 0) {
      const head = buffer.subarray(0, end);
      buffer = buffer.subarray(end + 4);
      counter.served++;
      if (head[0] === 71 && head[5] === 98) return void streamBulk(socket, head);
      if (head[0] === 80) {
        upload = bulkLength(head);
        const taken = Math.min(upload, buffer.length);
        upload -= taken;
        buffer = buffer.subarray(taken);
        if (upload > 0) return;
      }
      socket.write(RESPONSE);
    }
    if (buffer.length > MAX_HEAD) socket.destroy();
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => sockets.delete(socket));
}

/** The path of the scale rows' downloads: `GET /bulk/N` answers N bytes. */
export const BULK_PATH = "/bulk/";
const BULK_PIECE = Buffer.alloc(256 * 1024, "x");

function bulkLength(head: Buffer): number {
  return Number(/content-length:\s*(\d+)/i.exec(head.toString("latin1"))?.[1] ?? 0);
}

/** `GET /bulk/N`: N body bytes, written only as fast as the client takes them. */
async function streamBulk(socket: net.Socket, head: Buffer): Promise<void> {
  const size = Number(/^GET \/bulk\/(\d+)/.exec(head.toString("latin1"))?.[1] ?? 0);
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
  for (let left = size; left > 0 && !socket.destroyed;) {
    const piece = left >= BULK_PIECE.length ? BULK_PIECE : BULK_PIECE.subarray(0, left);
    left -= piece.length;
    if (!socket.write(piece)) await drained(socket);
  }
}

function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Start the upstreams in a child process of their own (`upstream_child.ts`), under
 * `children`, with its config file in `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { spawnUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await using children = new ChildProcesses();
 * const up = await spawnUpstreams(children, await createTestCertificates(["a.test"], dir), dir);
 * const response = await fetch(`http://127.0.0.1:${up.httpPort}/ok/bench`);
 * assert.equal(response.status, 200);
 * await response.body?.cancel();
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function spawnUpstreams(
  children: ChildProcesses,
  options: UpstreamOptions,
  dir: string,
  cpus?: string,
): Promise<UpstreamPorts> {
  const { child, ready } = await startScriptChild(children, {
    name: "Upstream servers",
    script: new URL("./upstream_child.ts", import.meta.url),
    config: options,
    configFile: join(dir, "upstream.json"),
    inheritStderr: true,
    cpus,
  });
  return {
    httpPort: ready.httpPort as number,
    httpsPort: ready.httpsPort as number,
    close: () => child.stop(),
  };
}
