/**
 * The HTTP/2 client of the `--scale` HTTP/2 rows: a `node:http2` session over TLS (ALPN `h2`),
 * direct or through a proxy's CONNECT tunnel, one bulk transfer on it, and many concurrent
 * streams of small requests over a few sessions.
 *
 * @module
 */

import * as http2 from "node:http2";
import * as tls from "node:tls";
import { Buffer } from "node:buffer";
import type * as net from "node:net";
import type { Direction } from "./bulk_transfer.ts";
import { H2_WINDOWS, RECEIVED_FIELD } from "./h2_origin.ts";
import { drainedOrClosed } from "../../proxy/wire/mod.ts";
import type { TlsOptions } from "./connect.ts";
import { BULK_PATH } from "./upstream_servers.ts";

/**
 * Open an HTTP/2 session over TLS on `target` (a tunnel) or on a new connection to port
 * `target` of 127.0.0.1, verifying the server as `tls.servername`.
 *
 * @throws {Error} When the server did not choose `h2`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openH2Session } from "./h2_client.ts";
 * import { startH2Origin } from "./h2_origin.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const origin = await startH2Origin(certs);
 * const session = await openH2Session(origin.port, { servername: "bench.example", ca: [certs.caPem] });
 * assert.equal(session.alpnProtocol, "h2");
 * session.destroy();
 * await origin.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openH2Session(
  target: net.Socket | number,
  options: TlsOptions,
): Promise<http2.ClientHttp2Session> {
  const base = { servername: options.servername, ca: options.ca, ALPNProtocols: ["h2"] };
  const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const socket = typeof target === "number"
      ? tls.connect({ ...base, host: "127.0.0.1", port: target })
      : tls.connect({ ...base, socket: target });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
  if (secure.alpnProtocol !== "h2") {
    secure.destroy();
    throw new Error(`${options.servername} chose ${secure.alpnProtocol || "no ALPN"}, not h2`);
  }
  secure.setNoDelay(true);
  const session = http2.connect(`https://${options.servername}`, {
    createConnection: () => secure,
    settings: { initialWindowSize: H2_WINDOWS.stream },
  });
  session.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("close", () => reject(new Error("The HTTP/2 session closed at once")));
  });
  session.setLocalWindowSize(H2_WINDOWS.session);
  return session;
}

/**
 * Move `bytes` on one stream of `session`: `GET /bulk/N` read whole, or `POST /upload` of N
 * bytes whose answer must say all of them arrived. `moved` counts the bytes so far.
 *
 * @throws {Error} On any status but 200, a short body, or an upload the origin got short.
 */
export function h2BulkStream(
  session: http2.ClientHttp2Session,
  direction: Direction,
  { authority, bytes, moved }: { authority: string; bytes: number; moved: { bytes: number } },
): Promise<void> {
  const get = direction === "download";
  const headers = get
    ? { ":method": "GET", ":path": `${BULK_PATH}${bytes}`, ":authority": authority }
    : {
      ":method": "POST",
      ":path": "/upload",
      ":authority": authority,
      "content-type": "application/octet-stream",
      "content-length": bytes,
    };
  const stream = session.request(headers, { endStream: get });
  return new Promise((resolve, reject) => {
    let status = 0;
    let received = -1;
    stream.on("response", (response) => {
      status = Number(response[":status"]);
      received = Number(response[RECEIVED_FIELD] ?? -1);
    });
    let body = 0;
    stream.on("data", (chunk: Buffer) => {
      body += chunk.length;
      if (get) moved.bytes = body;
    });
    stream.once("error", reject);
    stream.once("close", () => {
      if (status !== 200) return reject(new Error(`status ${status || "none (stream reset)"}`));
      if (get && body !== bytes) return reject(new Error(`got ${body} of ${bytes} bytes`));
      if (!get && received !== bytes) {
        return reject(new Error(`the origin got ${received} of ${bytes} bytes`));
      }
      resolve();
    });
    if (!get) void sendBody(stream, bytes, moved);
  });
}

const PIECE = Buffer.alloc(256 * 1024, "u");

async function sendBody(
  stream: http2.ClientHttp2Stream,
  bytes: number,
  moved: { bytes: number },
): Promise<void> {
  for (let left = bytes; left > 0 && !stream.destroyed;) {
    const piece = left >= PIECE.length ? PIECE : PIECE.subarray(0, left);
    left -= piece.length;
    moved.bytes += piece.length;
    if (!stream.write(piece)) await drainedOrClosed(stream);
  }
  if (!stream.destroyed) stream.end();
}
