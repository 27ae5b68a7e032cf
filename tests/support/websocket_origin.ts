/**
 * A WebSocket origin that records every frame it receives, written on a raw socket so that it
 * reads whatever reaches it (masked or not, any opcode, any RSV bit) and never refuses: a test
 * asserts on what got through the proxy. It answers each handshake with 101 and each whole
 * text frame with `echo:<text>`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

/** One frame the origin received, unmasked. */
export interface SeenFrame {
  /** The FIN bit. */
  fin: boolean;
  /** The RSV bits, in place (0x70 mask). */
  rsv: number;
  /** The opcode. */
  opcode: number;
  /** Whether the frame was masked. */
  masked: boolean;
  /** The payload, unmasked, as UTF-8 text. */
  text: string;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The recording origin. */
export class WebSocketOrigin {
  /** Each handshake head, as received. */
  readonly heads: string[] = [];
  /** Every frame received, in order, across connections. */
  readonly frames: SeenFrame[] = [];
  readonly #listener: Deno.Listener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #serving: Promise<void>;

  /** Serve `listener` (see {@linkcode WebSocketOrigin.start}). */
  constructor(listener: Deno.Listener) {
    this.#listener = listener;
    this.#serving = this.#serve();
  }

  /** Listen on 127.0.0.1, in TLS when given a certificate chain and key. */
  static start(tls?: { cert: string; key: string }): WebSocketOrigin {
    const at = { hostname: "127.0.0.1", port: 0 };
    return new WebSocketOrigin(tls ? Deno.listenTls({ ...at, ...tls }) : Deno.listen(at));
  }

  /** The port it listens on. */
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** The text of each data frame received (opcodes 0-2), control frames left out. */
  get texts(): string[] {
    return this.frames.filter((f) => f.opcode < 3).map((f) => f.text);
  }

  async #serve(): Promise<void> {
    for await (const conn of this.#listener) {
      this.#conns.add(conn);
      void this.#session(conn).catch(() => {}).finally(() => {
        this.#conns.delete(conn);
        closeQuietly(conn);
      });
    }
  }

  async #session(conn: Deno.Conn): Promise<void> {
    let bytes = new Uint8Array(0);
    const buffer = new Uint8Array(65536);
    const more = async () => {
      const n = await conn.read(buffer);
      if (n === null) return false;
      bytes = Buffer.concat([bytes, buffer.subarray(0, n)]);
      return true;
    };
    let end = -1;
    while ((end = Buffer.from(bytes).indexOf("\r\n\r\n")) === -1) if (!await more()) return;
    const head = new TextDecoder().decode(bytes.subarray(0, end));
    this.heads.push(head);
    bytes = bytes.subarray(end + 4);
    const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? "";
    const accept = createHash("sha1").update(key + GUID).digest("base64");
    await conn.write(new TextEncoder().encode(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    ));
    for (;;) {
      const frame = readFrame(bytes);
      if (frame === undefined) {
        if (!await more()) return;
        continue;
      }
      bytes = bytes.subarray(frame.size);
      this.frames.push(frame.seen);
      if (frame.seen.opcode === 1 && frame.seen.fin) {
        await conn.write(serverFrame(1, `echo:${frame.seen.text}`));
      }
      if (frame.seen.opcode === 8) await conn.write(serverFrame(8, ""));
    }
  }

  /** Stop listening and close every connection. */
  async close(): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) closeQuietly(conn);
    await this.#serving.catch(() => {});
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}

function readFrame(b: Uint8Array): { seen: SeenFrame; size: number } | undefined {
  if (b.byteLength < 2) return undefined;
  const masked = (b[1]! & 0x80) !== 0;
  let length = b[1]! & 0x7f;
  let at = 2;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (length === 126) {
    if (b.byteLength < 4) return undefined;
    [length, at] = [view.getUint16(2), 4];
  } else if (length === 127) {
    if (b.byteLength < 10) return undefined;
    [length, at] = [Number(view.getBigUint64(2)), 10];
  }
  const mask = masked ? b.subarray(at, at + 4) : new Uint8Array(4);
  if (masked) at += 4;
  if (b.byteLength < at + length) return undefined;
  const payload = b.slice(at, at + length).map((x, i) => x ^ mask[i & 3]!);
  const seen = {
    fin: (b[0]! & 0x80) !== 0,
    rsv: b[0]! & 0x70,
    opcode: b[0]! & 0x0f,
    masked,
    text: new TextDecoder().decode(payload),
  };
  return { seen, size: at + length };
}

/** An unmasked frame, as a server sends it. */
export function serverFrame(opcode: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  if (payload.byteLength > 125) throw new RangeError("serverFrame: at most 125 bytes");
  return new Uint8Array([0x80 | opcode, payload.byteLength, ...payload]);
}
