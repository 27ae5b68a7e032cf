/**
 * A bulk upstream for scale tests: an HTTP and an HTTPS server that stream large bodies in
 * either direction while honouring backpressure themselves, and count what really moved, so a
 * test can see how far one side got ahead of a peer that stopped reading.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { CertificateAuthority } from "../../proxy/tls/mod.ts";
import { type FlowControl, gateInbound } from "../../proxy/wire/mod.ts";

/** Running bulk servers. */
export interface BulkUpstream {
  /** Plain HTTP port on 127.0.0.1. */
  httpPort: number;
  /** HTTPS port on 127.0.0.1 (certificate for `hosts`). */
  httpsPort: number;
  /** PEM of the CA that signed the certificate. */
  caPem: string;
  /** Body bytes the servers handed to their sockets' kernel buffers (downloads). */
  sent(): number;
  /** Body bytes the servers received (uploads). */
  received(): number;
  /** Connections accepted so far (both servers). */
  connections(): number;
  /** Close both servers and every connection. */
  close(): Promise<void>;
}

const PIECE = new Uint8Array(64 * 1024).fill(120);

/**
 * Start the servers. `GET /bulk/N` answers N body bytes (Content-Length), written only as
 * fast as the socket drains; `POST /stall` stops reading after the head (an upstream that
 * stops reading an upload); any other request's Content-Length body is read and answered
 * `200 ok` once complete.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawRequest } from "./mod.ts";
 * import { startBulkUpstream } from "./bulk_upstream.ts";
 *
 * const bulk = await startBulkUpstream(["api.github.com"]);
 * const response = await rawRequest(bulk.httpPort, "GET /bulk/1000 HTTP/1.1\r\nHost: a\r\n\r\n");
 * assert.equal(response.body.length, 1000);
 * assert.equal(bulk.sent(), 1000);
 * await bulk.close();
 * ```
 */
export async function startBulkUpstream(hosts: string[]): Promise<BulkUpstream> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-bulk-ca-" });
  const ca = await CertificateAuthority.loadOrCreate(dir);
  const leaf = await ca.mintLeaf(hosts);
  await Deno.remove(dir, { recursive: true });
  const context = tls.createSecureContext({ cert: leaf.chainPem, key: leaf.keyPem });
  const state = { sent: 0, received: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const accept = (secure: boolean) => (raw: net.Socket) => {
    // Pausing a TLS socket alone does not stop it reading: pause the TCP socket under it.
    const gated = secure ? gateInbound(raw) : undefined;
    const socket = gated
      ? new tls.TLSSocket(gated.stream as net.Socket, { isServer: true, secureContext: context })
      : raw;
    const flow = gated?.flow ?? { pause: () => raw.pause(), resume: () => raw.resume() };
    state.connections++;
    for (const s of [raw, socket]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => socket.destroy());
    }
    serveBulk(socket, flow, state);
  };
  const servers = [net.createServer(accept(false)), net.createServer(accept(true))];
  const ports = await Promise.all(
    servers.map((server) =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
      )
    ),
  );
  return {
    httpPort: ports[0]!,
    httpsPort: ports[1]!,
    caPem: ca.certPem,
    sent: () => state.sent,
    received: () => state.received,
    connections: () => state.connections,
    async close() {
      const closed = servers.map((s) => new Promise((r) => s.close(r)));
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },
  };
}

interface BulkState {
  sent: number;
  received: number;
}

function serveBulk(socket: net.Socket, flow: FlowControl, state: BulkState): void {
  let head = "";
  let bodyLeft = -1;
  socket.on("data", (chunk: Uint8Array) => {
    if (bodyLeft > 0) {
      bodyLeft -= chunk.byteLength;
      state.received += chunk.byteLength;
      if (bodyLeft <= 0) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      return;
    }
    head += new TextDecoder("latin1").decode(chunk);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    const [method, target = ""] = head.split(" ");
    const length = Number(/content-length:\s*(\d+)/i.exec(head.slice(0, end))?.[1] ?? 0);
    const early = head.length - end - 4;
    head = "";
    if (method === "GET" && target.startsWith("/bulk/")) {
      return void download(socket, Number(target.slice(6)), state);
    }
    if (method === "POST" && target === "/stall") return flow.pause();
    bodyLeft = length - early;
    state.received += early;
    if (bodyLeft <= 0) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
}

async function download(socket: net.Socket, size: number, state: BulkState): Promise<void> {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
  for (let left = size; left > 0 && !socket.destroyed;) {
    const piece = left >= PIECE.byteLength ? PIECE : PIECE.subarray(0, left);
    left -= piece.byteLength;
    const flushed = socket.write(piece);
    if (!flushed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    }
    state.sent += piece.byteLength;
  }
}
