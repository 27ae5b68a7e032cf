/**
 * A raw WebSocket client through the proxy, for tests that must send frames no library would
 * (unmasked, RSV bits, stray continuations) and read exactly what comes back.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { dataFrame } from "../../proxy/websocket/mod.ts";

/** A frame the client received from the proxy. */
export interface ReceivedFrame {
  /** The opcode. */
  opcode: number;
  /** The payload as text (a close frame's reason). */
  text: string;
  /** For a close frame: its code (0 when it has none). */
  code?: number;
}

/** Build a client frame: masked unless told, FIN unless told, with any RSV bits. */
export function clientFrame(
  opcode: number,
  payload: string | Uint8Array,
  { fin = true, rsv = 0, masked = true } = {},
): Uint8Array {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const frame = dataFrame(opcode, bytes, masked);
  frame[0] = (fin ? 0x80 : 0) | rsv | opcode;
  return frame;
}

/** The opening handshake of `target` (absolute-form through the proxy, or origin-form). */
export function handshake(target: string, host: string, extra = ""): string {
  return `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
}

/** An upgraded connection: its answer head, then frames to send and read. */
export class RawWebSocket {
  #bytes: Uint8Array = new Uint8Array(0);
  readonly #buffer = new Uint8Array(65536);

  private constructor(readonly conn: Deno.Conn, public head = "") {}

  /** Write `request` (and `early` bytes with it) on `conn` and read the answer's head. */
  static async open(conn: Deno.Conn, request: string, early?: Uint8Array): Promise<RawWebSocket> {
    const ws = new RawWebSocket(conn);
    const bytes = new TextEncoder().encode(request);
    await ws.send(early ? Buffer.concat([bytes, early]) : bytes);
    let end = -1;
    while ((end = Buffer.from(ws.#bytes).indexOf("\r\n\r\n")) === -1) {
      if (!await ws.#more()) break;
    }
    ws.head = new TextDecoder().decode(ws.#bytes.subarray(0, end === -1 ? undefined : end));
    ws.#bytes = end === -1 ? new Uint8Array(0) : ws.#bytes.subarray(end + 4);
    return ws;
  }

  /** Write `frames`, whole, in order. */
  async send(...frames: Uint8Array[]): Promise<void> {
    const all = Buffer.concat(frames);
    for (let at = 0; at < all.byteLength;) at += await this.conn.write(all.subarray(at));
  }

  /** Every frame received until the proxy closes the connection (or `until` holds). */
  async frames(until?: (f: ReceivedFrame[]) => boolean): Promise<ReceivedFrame[]> {
    const out: ReceivedFrame[] = [];
    for (;;) {
      const f = this.#next();
      if (f !== undefined) {
        out.push(f);
        if (until?.(out)) return out;
        continue;
      }
      if (!await this.#more()) return out;
    }
  }

  /** Close the connection (already closed by the proxy is fine). */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Closed by the proxy.
    }
  }

  /** Read more; false once the peer closed, or after 10 s of silence (a test never hangs). */
  async #more(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silent = new Promise<null>((resolve) => (timer = setTimeout(resolve, 10_000, null)));
    const n = await Promise.race([this.conn.read(this.#buffer).catch(() => null), silent]);
    clearTimeout(timer);
    if (n === null) return false;
    this.#bytes = Buffer.concat([this.#bytes, this.#buffer.subarray(0, n)]);
    return true;
  }

  #next(): ReceivedFrame | undefined {
    const b = this.#bytes;
    if (b.byteLength < 2 || (b[1]! & 0x7f) > 125 || b.byteLength < 2 + (b[1]! & 0x7f)) {
      return undefined;
    }
    const length = b[1]! & 0x7f;
    const payload = b.subarray(2, 2 + length);
    this.#bytes = b.subarray(2 + length);
    const opcode = b[0]! & 0x0f;
    if (opcode !== 8) return { opcode, text: new TextDecoder().decode(payload) };
    const code = length >= 2 ? (payload[0]! << 8) | payload[1]! : 0;
    return { opcode, code, text: new TextDecoder().decode(payload.subarray(2)) };
  }
}
