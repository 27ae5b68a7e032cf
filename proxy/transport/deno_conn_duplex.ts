/**
 * Adapt a `Deno.Conn` (TCP or unix socket) to the node `Duplex` the proxy core works on, so
 * `ProxyHandle.serveConnection()` accepts connections from `Deno.listen` too.
 *
 * @module
 */

import { Duplex } from "node:stream";

/**
 * Wrap a Deno connection as a node duplex stream (TCP_NODELAY set when it is TCP).
 *
 * @example
 * ```ts ignore server
 * const listener = Deno.listen({ transport: "unix", path: "/tmp/proxy.sock" });
 * for await (const conn of listener) proxy.serveConnection(duplexFromDenoConn(conn), identify);
 * ```
 */
export function duplexFromDenoConn(conn: Deno.Conn): Duplex {
  if (conn.remoteAddr.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
  const buffer = new Uint8Array(64 * 1024);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // Already closed by the peer.
    }
  };
  return new Duplex({
    async read() {
      try {
        const n = await conn.read(buffer);
        this.push(n === null ? null : buffer.slice(0, n));
      } catch (error) {
        this.destroy(closed ? undefined : error as Error);
      }
    },
    write(chunk: Uint8Array, _encoding, callback) {
      writeAll(conn, chunk).then(() => callback(), (error) => callback(error));
    },
    final(callback) {
      conn.closeWrite().then(() => callback(), () => callback());
    },
    destroy(error, callback) {
      close();
      callback(error);
    },
  });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) {
    offset += await conn.write(bytes.subarray(offset));
  }
}
