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
 * ```ts
 * import assert from "node:assert/strict";
 * import { duplexFromDenoConn } from "./deno_conn_duplex.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const peer = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const duplex = duplexFromDenoConn(await listener.accept()); // what ByteStream and TLS take
 * listener.close();
 * await new Promise<void>((resolve) => duplex.end("hello", resolve)); // FIN after the bytes
 * const bytes = await new Response(peer.readable).arrayBuffer(); // reads to EOF, then closes
 * assert.equal(new TextDecoder().decode(bytes), "hello");
 * duplex.destroy();
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
