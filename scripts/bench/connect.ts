/**
 * Opening client connections for the load generator: TCP with TCP_NODELAY, an HTTP CONNECT
 * tunnel through a proxy, and TLS (with SNI) over either.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { Buffer } from "node:buffer";

/**
 * Connect to `127.0.0.1:port` with TCP_NODELAY (Nagle plus delayed ACK costs ~40 ms stalls).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openTcp } from "./connect.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const socket = await openTcp(listener.addr.port);
 * assert.equal(socket.remotePort, listener.addr.port);
 * socket.destroy();
 * listener.close();
 * ```
 */
export function openTcp(port: number, host = "127.0.0.1"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * Send `CONNECT authority` on a fresh proxy connection and wait for the response head.
 * Resolves with the socket once the proxy answered 2xx; rejects (and closes) otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openTunnel } from "./connect.ts";
 *
 * // A stand-in proxy that refuses the CONNECT.
 * const proxy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const refusing = proxy.accept().then(async (conn) => {
 *   await conn.write(new TextEncoder().encode("HTTP/1.1 403 Forbidden\r\n\r\n"));
 *   conn.close();
 * });
 * await assert.rejects(openTunnel(proxy.addr.port, "bench.example:443"), /status 403/);
 * await refusing;
 * proxy.close();
 * ```
 */
export async function openTunnel(proxyPort: number, authority: string): Promise<net.Socket> {
  const socket = await openTcp(proxyPort);
  try {
    const status = await readConnectResponse(socket, authority);
    if (status < 200 || status > 299) {
      throw new Error(`Proxy refused CONNECT "${authority}" with status ${status}`);
    }
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

function readConnectResponse(socket: net.Socket, authority: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      cleanup();
      // A 2xx CONNECT response has no body; anything after the head belongs to the tunnel.
      if (end + 4 < buffer.length) socket.unshift(buffer.subarray(end + 4));
      resolve(Number(buffer.toString("latin1", 9, 12)));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`Proxy closed the connection after CONNECT "${authority}"`));
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("end", onEnd);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** Options for {@linkcode startTls}. */
export interface TlsOptions {
  /** SNI and the name the server certificate is verified against. */
  servername: string;
  /** Trusted CA certificates (PEM). */
  ca: string[];
}

/**
 * Run a TLS handshake over `socket` (a tunnel), or over a new TCP connection to `port`,
 * verifying the server certificate for `servername` against `ca`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startTls } from "./connect.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const up = await startUpstreams(certs);
 * const secure = await startTls(up.httpsPort, { servername: "bench.example", ca: [certs.caPem] });
 * assert.equal(secure.authorized, true);
 * secure.destroy();
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startTls(
  target: net.Socket | number,
  options: TlsOptions,
): Promise<tls.TLSSocket> {
  const base = { servername: options.servername, ca: options.ca };
  return new Promise((resolve, reject) => {
    const secure = typeof target === "number"
      ? tls.connect({ ...base, host: "127.0.0.1", port: target })
      : tls.connect({ ...base, socket: target });
    if (typeof target === "number") secure.setNoDelay(true);
    secure.once("secureConnect", () => {
      secure.off("error", reject);
      resolve(secure);
    });
    secure.once("error", (error) => {
      secure.destroy();
      reject(error);
    });
  });
}
