/**
 * A raw HTTP/2 client that keeps HTTP/2 flow control (RFC 9113 §6.9) while it uploads: it
 * sends a stream's DATA only within the connection's and the stream's windows, so what the
 * proxy reads of each body is exactly what its WINDOW_UPDATEs let through. A body the proxy
 * does not read stops at its stream window (what the proxy's SETTINGS open).
 *
 * @module
 */

import { H2, h2Frame, H2FrameSplitter } from "./support/mod.ts";

const WINDOW_UPDATE = 8;
const SETTINGS_INITIAL_WINDOW_SIZE = 4;
const DEFAULT_WINDOW = 65_535;
const MAX_FRAME = 16_384;
const MAX_WINDOW = 2 ** 31 - 1;
const IDLE_WAIT_MS = 10;

/** Uploads on one connection whose HEADERS were sent already (streams left open). */
export class H2Uploads {
  /** Body bytes sent per stream so far. */
  readonly sent = new Map<number, number>();
  /** Streams the peer ended (END_STREAM on its DATA or HEADERS). */
  readonly ended = new Set<number>();
  /** GOAWAY frames' error codes, in order. */
  readonly goaways: number[] = [];
  #conn: Deno.Conn;
  #size: number;
  #connection = DEFAULT_WINDOW;
  #initial = DEFAULT_WINDOW;
  #windows = new Map<number, number>();
  #round = 0;
  #reading: Promise<void>;

  /**
   * Upload `size` bytes on each of `streams` over `conn` (after the preface), reading the
   * peer's frames as they come.
   */
  constructor(conn: Deno.Conn, streams: number[], size: number) {
    this.#conn = conn;
    this.#size = size;
    for (const id of streams) {
      this.sent.set(id, 0);
      this.#windows.set(id, DEFAULT_WINDOW);
    }
    this.#reading = this.#read();
  }

  /**
   * The frames that open the client's own receive windows wide (answers may be large and are
   * read whole): send them right after the preface.
   */
  static wideOpen(): Uint8Array {
    const settings = new Uint8Array(6);
    new DataView(settings.buffer).setUint32(2, MAX_WINDOW);
    settings[1] = SETTINGS_INITIAL_WINDOW_SIZE;
    const increment = new Uint8Array(4);
    new DataView(increment.buffer).setUint32(0, MAX_WINDOW - DEFAULT_WINDOW);
    const frames = [h2Frame(H2.SETTINGS, 0, 0, settings), h2Frame(WINDOW_UPDATE, 0, 0, increment)];
    return concat(frames[0]!, frames[1]!);
  }

  /**
   * Send what the windows allow until `untilDone` holds or nothing has moved for `quietMs`,
   * counted in idle waits of 10 ms each, however late each one ends: the proxy runs in this
   * process, so a stall of the process (a loaded machine) is no quiet time for it, and a wall
   * clock would count it as such and stop while its window updates were still due.
   */
  async pump(quietMs: number, untilDone = () => false): Promise<void> {
    for (let quiet = 0; quiet < quietMs && !untilDone();) {
      if (await this.#sendRound()) quiet = 0;
      else {
        await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
        quiet += IDLE_WAIT_MS;
      }
    }
  }

  /** Streams whose whole body was sent. */
  complete(): number {
    return [...this.sent.values()].filter((n) => n === this.#size).length;
  }

  /** Close the connection and wait for the reader. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed by the peer already.
    }
    await this.#reading;
  }

  /** One DATA frame per stream that may send, starting with a different stream each round. */
  async #sendRound(): Promise<boolean> {
    const ids = [...this.sent.keys()];
    const start = this.#round++ % ids.length;
    let moved = false;
    for (const id of [...ids.slice(start), ...ids.slice(0, start)]) {
      const left = this.#size - this.sent.get(id)!;
      const n = Math.min(MAX_FRAME, this.#connection, this.#windows.get(id)!, left);
      if (n <= 0) continue;
      const flags = n === left ? H2.END_STREAM : 0;
      await this.#conn.write(h2Frame(H2.DATA, flags, id, new Uint8Array(n)));
      this.#connection -= n;
      this.#windows.set(id, this.#windows.get(id)! - n);
      this.sent.set(id, this.sent.get(id)! + n);
      moved = true;
    }
    return moved;
  }

  async #read(): Promise<void> {
    const splitter = new H2FrameSplitter();
    const buffer = new Uint8Array(65_536);
    for (;;) {
      const n = await this.#conn.read(buffer).catch(() => null);
      if (n === null) return;
      for (const frame of splitter.push(buffer.subarray(0, n))) {
        await this.#onFrame(frame, frame.payload);
      }
    }
  }

  async #onFrame(frame: { type: number; flags: number; stream: number }, payload: Uint8Array) {
    const view = new DataView(payload.buffer, payload.byteOffset);
    if (frame.type === WINDOW_UPDATE) {
      const increment = view.getUint32(0) & ~(1 << 31);
      if (frame.stream === 0) this.#connection += increment;
      else if (this.#windows.has(frame.stream)) {
        this.#windows.set(frame.stream, this.#windows.get(frame.stream)! + increment);
      }
    } else if (frame.type === H2.SETTINGS && (frame.flags & 1) === 0) {
      for (let at = 0; at + 6 <= payload.byteLength; at += 6) {
        if (view.getUint16(at) !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
        const value = view.getUint32(at + 2);
        for (const [id, window] of this.#windows) {
          this.#windows.set(id, window + value - this.#initial);
        }
        this.#initial = value;
      }
      await this.#conn.write(h2Frame(H2.SETTINGS, 1, 0)).catch(() => {});
    } else if (frame.type === H2.GOAWAY) {
      this.goaways.push(view.getUint32(4));
    } else if (
      (frame.type === H2.DATA || frame.type === H2.HEADERS) && (frame.flags & H2.END_STREAM) !== 0
    ) {
      this.ended.add(frame.stream);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
