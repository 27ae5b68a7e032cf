/**
 * A raw TCP client for tests that must send bytes no well-behaved client would (smuggling,
 * bare LF, oversized heads) and read exactly what the proxy answers.
 *
 * @module
 */

/** What came back on a raw connection. */
export interface RawResponse {
  /** Status line and header fields of the first response (without the final CRLF CRLF). */
  head: string;
  /** Status code of the first response (0 when none). */
  status: number;
  /** Body of the first response (by Content-Length, else everything after the head). */
  body: string;
  /** Every byte received, as latin1 text. */
  raw: string;
}

/** Options of {@linkcode rawRequest}. */
export interface RawOptions {
  /** Stop waiting after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Parts written with a pause between them (for slow-client tests). */
  pauseMs?: number;
  /** Read until this holds for the bytes received (default: the first response is complete). */
  until?: (raw: string) => boolean;
}

/**
 * Connect to 127.0.0.1:`port`, write `parts`, and read until the first response is complete,
 * the peer closes, or the timeout passes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawRequest, withTestProxy } from "./mod.ts";
 *
 * await withTestProxy({ policy: "version: 1\n" }, async (proxy) => {
 *   const response = await rawRequest(proxy.port, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
 *   assert.equal(response.status, 400); // origin-form: a proxy needs an absolute URL
 * });
 * ```
 */
export async function rawRequest(
  port: number,
  parts: string | (string | Uint8Array)[],
  options: RawOptions = {},
): Promise<RawResponse> {
  return exchangeOn(await Deno.connect({ hostname: "127.0.0.1", port }), parts, options);
}

/**
 * Write `parts` on an open connection, read the first response, and close the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exchangeOn, startTestUpstreams } from "./mod.ts";
 *
 * const upstreams = await startTestUpstreams();
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: upstreams.httpPort });
 * const response = await exchangeOn(conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"); // closes conn
 * assert.equal(response.status, 200);
 * await upstreams.close();
 * ```
 */
export async function exchangeOn(
  conn: Deno.Conn,
  parts: string | (string | Uint8Array)[],
  options: RawOptions = {},
): Promise<RawResponse> {
  const timer = setTimeout(() => conn.close(), options.timeoutMs ?? 5000);
  let raw = "";
  try {
    const writing = (async () => {
      for (const [i, part] of (typeof parts === "string" ? [parts] : parts).entries()) {
        if (i > 0 && options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
        const bytes = typeof part === "string" ? latin1Bytes(part) : part;
        await conn.write(bytes).catch(() => {});
      }
    })();
    const buffer = new Uint8Array(64 * 1024);
    const done = options.until ?? complete;
    while (!done(raw)) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) raw += String.fromCharCode(byte);
    }
    await writing;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed by the timeout.
    }
  }
  return parse(raw);
}

/** Write all of `bytes` to `conn` (one write may take part of them). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength;) at += await conn.write(bytes.subarray(at));
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function complete(raw: string): boolean {
  const end = raw.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end));
  // Interim and CONNECT 200 responses carry no body: they are complete at the head.
  if (/^HTTP\/1\.1 (1\d\d|200 Connection Established)/.test(raw)) return true;
  return length !== null && raw.length >= end + 4 + Number(length[1]);
}

function parse(raw: string): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end === -1) return { head: raw, status: 0, body: "", raw };
  const head = raw.slice(0, end);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  const rest = raw.slice(end + 4);
  const body = length ? rest.slice(0, Number(length[1])) : rest;
  return { head, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), body, raw };
}
