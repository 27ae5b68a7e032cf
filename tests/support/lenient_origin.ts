/**
 * An HTTP/1.1 origin over raw sockets that misreads DELETE framing on purpose: it answers a
 * DELETE at its head, IGNORES its `Content-Length` (and every `Connection: close`), and reads
 * whatever follows on the connection as the next request, as a careless origin would. Its
 * request-line parser is lenient too (leading white space skipped, any white space between
 * the parts, HTTP/0.9 `GET /path`). It records each line it tried as a request line, so a
 * test can show that no request ever came out of a body. A line that is no request line is
 * answered 400 and closes the connection, as real parsers do.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";

/** One line the origin read where it expected a request line. */
export interface LenientLine {
  /** The line, trimmed. */
  line: string;
  /** It parsed as a request (method and target, optional version). */
  request: boolean;
  /** Header fields of a request, names lower-cased. */
  headers: [string, string][];
}

/** A running lenient origin. */
export interface LenientOrigin {
  port: number;
  /** Every line read as a request line, in order. */
  seen: LenientLine[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Start the origin on 127.0.0.1 (port 0), over TLS when `secure` gives its certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startLenientOrigin } from "./lenient_origin.ts";
 * const origin = await startLenientOrigin();
 * const conn = await Deno.connect({ port: origin.port });
 * const body = "GET /hidden HTTP/1.1\r\n\r\n{}\r\n";
 * await conn.write(new TextEncoder().encode(
 *   `DELETE /x HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
 * ));
 * await new Response(conn.readable).text(); // it closes at the line it cannot read ("{}")
 * const lines = origin.seen.map((s) => s.line);
 * assert.deepEqual(lines, ["DELETE /x HTTP/1.1", "GET /hidden HTTP/1.1", "{}"]);
 * await origin.close();
 * ```
 */
export async function startLenientOrigin(
  secure?: { chainPem: string; keyPem: string },
): Promise<LenientOrigin> {
  const seen: LenientLine[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const context = secure && tls.createSecureContext({ cert: secure.chainPem, key: secure.keyPem });
  const server = net.createServer((raw) => {
    connections++;
    const socket = context
      ? new tls.TLSSocket(raw, { isServer: true, secureContext: context })
      : raw;
    sockets.add(raw);
    raw.on("close", () => sockets.delete(raw));
    socket.on("error", () => raw.destroy());
    serve(socket, seen);
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
  );
  return {
    port,
    seen,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const REQUEST_LINE = /^([A-Za-z]+)[ \t]+(\S+)(?:[ \t]+(HTTP\/\d\.\d))?$/i;

function serve(socket: net.Socket, seen: LenientLine[]): void {
  let buffer = "";
  let skip = 0; // body bytes of a non-DELETE request still to drop
  socket.on("data", (chunk: Uint8Array) => {
    buffer += new TextDecoder("latin1").decode(chunk);
    for (;;) {
      if (skip > 0) {
        const dropped = Math.min(skip, buffer.length);
        buffer = buffer.slice(dropped);
        skip -= dropped;
        if (skip > 0) return;
      }
      buffer = buffer.replace(/^[\r\n \t]+/, "");
      const end = buffer.indexOf("\n");
      if (end === -1) return;
      const line = buffer.slice(0, end).trim();
      const match = REQUEST_LINE.exec(line);
      if (match === null) {
        seen.push({ line, request: false, headers: [] });
        socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
      }
      const headEnd = buffer.indexOf("\r\n\r\n");
      // HTTP/0.9 has no head; otherwise wait for the blank line.
      if (match[3] !== undefined && headEnd === -1) return;
      const headText = match[3] === undefined ? "" : buffer.slice(end + 1, headEnd);
      buffer = match[3] === undefined ? buffer.slice(end + 1) : buffer.slice(headEnd + 4);
      const headers = headText.split("\r\n").filter(Boolean).map((field): [string, string] => {
        const colon = field.indexOf(":");
        return [field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim()];
      });
      seen.push({ line, request: true, headers });
      const method = match[1]!.toUpperCase();
      const length = Number(headers.find(([name]) => name === "content-length")?.[1] ?? 0);
      // The careless part: a DELETE's body is never read as its body.
      if (method !== "DELETE") skip = length;
      const text = `answered ${method} ${match[2]}`;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    }
  });
}
