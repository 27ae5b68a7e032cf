/**
 * Raw HTTP/2 frames for hostile tests: what no well-behaved client sends (a GET with DATA,
 * a stream reset as soon as it opens, a connection dropped without GOAWAY), written frame by
 * frame inside an intercepted CONNECT tunnel. Header blocks are HPACK literals without
 * indexing or Huffman coding, so the bytes are exactly the fields given.
 *
 * @module
 */

import { H2FrameSplitter } from "./h2_frame_splitter.ts";
import { openConnect } from "./tunnel_client.ts";

/** HTTP/2 frame types used here (RFC 9113 §6). */
export const H2 = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  /** END_STREAM (DATA, HEADERS). */
  END_STREAM: 0x1,
  /** END_HEADERS (HEADERS). */
  END_HEADERS: 0x4,
} as const;

/** The client connection preface followed by an empty SETTINGS frame. */
export const H2_PREFACE: Uint8Array = concat([
  new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
  h2Frame(H2.SETTINGS, 0, 0),
]);

/**
 * One frame: the 9-byte frame header, then `payload`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { H2, h2Frame } from "./h2_frames.ts";
 * const frame = h2Frame(H2.DATA, H2.END_STREAM, 1, new Uint8Array([0x61]));
 * assert.deepEqual([...frame], [0, 0, 1, 0, 1, 0, 0, 0, 1, 0x61]);
 * ```
 */
export function h2Frame(
  type: number,
  flags: number,
  stream: number,
  payload: Uint8Array = new Uint8Array(),
): Uint8Array {
  const frame = new Uint8Array(9 + payload.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.byteLength << 8);
  frame[3] = type;
  frame[4] = flags;
  view.setUint32(5, stream & 0x7fffffff);
  frame.set(payload, 9);
  return frame;
}

/**
 * A HEADERS frame (END_HEADERS set, END_STREAM unless `open`) carrying `fields` as literals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Headers } from "./h2_frames.ts";
 * const frame = h2Headers(1, [[":method", "GET"]]);
 * assert.equal(frame[4], 0x5); // END_HEADERS | END_STREAM
 * assert.deepEqual([...frame.subarray(9, 12)], [0, 7, 0x3a]); // literal, name ":method"
 * ```
 */
export function h2Headers(
  stream: number,
  fields: [string, string][],
  { open = false }: { open?: boolean } = {},
): Uint8Array {
  const bytes: number[] = [];
  for (const [name, value] of fields) bytes.push(0, ...hpackString(name), ...hpackString(value));
  const flags = H2.END_HEADERS | (open ? 0 : H2.END_STREAM);
  return h2Frame(H2.HEADERS, flags, stream, new Uint8Array(bytes));
}

/**
 * An RST_STREAM frame with error code CANCEL (8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Reset } from "./h2_frames.ts";
 * assert.deepEqual([...h2Reset(3)], [0, 0, 4, 3, 0, 0, 0, 0, 3, 0, 0, 0, 8]);
 * ```
 */
export function h2Reset(stream: number): Uint8Array {
  return h2Frame(H2.RST_STREAM, 0, stream, new Uint8Array([0, 0, 0, 8]));
}

/**
 * Open a CONNECT tunnel to `host:443` through the proxy and start TLS offering only `h2`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openH2Tunnel, withTestProxy } from "./mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   gh: { endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }] }
 * `;
 * await withTestProxy({ policy }, async (proxy) => {
 *   const tls = await openH2Tunnel(proxy.port, "api.github.com", proxy.caPath);
 *   assert.equal((await tls.handshake()).alpnProtocol, "h2");
 *   tls.close();
 * });
 * ```
 */
export async function openH2Tunnel(
  proxyPort: number,
  host: string,
  caPath: string,
): Promise<Deno.TlsConn> {
  const { conn, head } = await openConnect(proxyPort, host);
  if (!head.startsWith("HTTP/1.1 200")) {
    conn.close();
    throw new Error(`CONNECT refused: ${head.split("\r\n")[0]}`);
  }
  const caCerts = [await Deno.readTextFile(caPath)];
  return await Deno.startTls(conn, { hostname: host, caCerts, alpnProtocols: ["h2"] });
}

/**
 * Read frames until `until` returns true for one, the peer closes, or `timeoutMs` passes;
 * the frames read (DATA payloads kept whole), in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { H2, H2_PREFACE, openH2Tunnel, readH2Frames, withTestProxy } from "./mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   gh: { endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }] }
 * `;
 * await withTestProxy({ policy }, async (proxy) => {
 *   const tls = await openH2Tunnel(proxy.port, "api.github.com", proxy.caPath);
 *   await tls.write(H2_PREFACE);
 *   const frames = await readH2Frames(tls, (frame) => frame.type === H2.SETTINGS);
 *   assert.equal(frames[0]?.type, H2.SETTINGS); // the proxy's own settings come first
 *   tls.close();
 * });
 * ```
 */
export async function readH2Frames(
  conn: Deno.Conn,
  until: (frame: H2Frame) => boolean,
  timeoutMs = 5_000,
): Promise<H2Frame[]> {
  const frames: H2Frame[] = [];
  const splitter = new H2FrameSplitter();
  const reader = conn.readable.getReader();
  const timer = setTimeout(() => reader.cancel().catch(() => {}), timeoutMs);
  try {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done || value === undefined) return frames;
      for (const frame of splitter.push(value)) {
        frames.push(frame);
        if (until(frame)) return frames;
      }
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/** One frame read by {@linkcode readH2Frames}. */
export interface H2Frame {
  /** Frame type (see {@linkcode H2}). */
  type: number;
  /** Flags byte. */
  flags: number;
  /** Stream identifier (0 for the connection). */
  stream: number;
  /** The payload, whole. */
  payload: Uint8Array;
}

function hpackString(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  // Lengths here stay below 127: one prefix byte, Huffman bit clear.
  if (bytes.byteLength >= 127) throw new RangeError("HPACK literal too long for this helper");
  return [bytes.byteLength, ...bytes];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** `count` WINDOW_UPDATE frames of increment 1 on `stream`, in one buffer (a flood). */
export function windowUpdates(stream: number, count: number): Uint8Array {
  const frame = h2Frame(H2.WINDOW_UPDATE, 0, stream, new Uint8Array([0, 0, 0, 1]));
  const out = new Uint8Array(frame.byteLength * count);
  for (let i = 0; i < count; i++) out.set(frame, i * frame.byteLength);
  return out;
}
