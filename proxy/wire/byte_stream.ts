/**
 * A pull-style reader and writer over any node `Duplex` (a TCP socket, a TLS socket, a
 * unix-socket bridge), so the HTTP code reads "the next head" or "exactly n bytes" in order
 * and never forwards bytes it has not parsed yet.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { concat, youngCollector } from "./_bytes.ts";
import { readExactly, readLine } from "./_body_reads.ts";
import { LazyDeadline } from "./_lazy_deadline.ts";
import { SocketInbox } from "./_socket_inbox.ts";
import type { FlowControl } from "./flow_gate.ts";
import { ReadTimeoutError } from "./protocol_error.ts";
import { type HeadRead, type HeadTimeouts, scanHead } from "./scan_head.ts";

// The first byte of a TLS handshake record.
const TLS_HANDSHAKE = 0x16;
import { writeOrDrain } from "./_write_or_drain.ts";

/**
 * Bytes a body relayed to an upstream may have on their way out of its socket before the relay
 * stops reading the client (`forward()` on the pool's connections): four 64 KB reads. Waiting
 * at the socket's own 16 KB mark made every read of an L7 upload wait for its write to drain
 * before the next read. Client sockets keep that mark: a client that stops reading a download
 * would hold the window in the proxy (512 such clients: 128 MB).
 */
export const FORWARD_WINDOW_BYTES = 256 * 1024;

/**
 * Pull reader + writer over a node duplex stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { ByteStream } from "./byte_stream.ts";
 *
 * const socket = new PassThrough();
 * const stream = new ByteStream(socket);
 * socket.write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\nnext");
 * const head = await stream.readHead(8192, { idleMs: 1000, headMs: 1000 });
 * assert.equal(head.kind, "head");
 * assert.equal(stream.buffered, 4); // "next" stays queued for the following message
 * stream.destroy();
 * ```
 */
export class ByteStream {
  /** The wrapped socket. */
  readonly socket: Duplex;
  /**
   * Longest wait, in ms, for the next bytes of a message body (`read()`, `readLine()`,
   * `readExactly()`); a longer wait throws {@linkcode ReadTimeoutError}. Heads have their own
   * timers. Without it, a peer that stops halfway through a body holds the connection forever.
   */
  readonly bodyIdleMs: number;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  #inbox: SocketInbox;
  #deadline = new LazyDeadline(() => this.#inbox.notify());
  // Frees the dead reads under what forward() relays (youngCollector()).
  #collect = youngCollector();
  #window: number | undefined;

  /**
   * Start reading from `socket` (data is queued until it is read). `flow` is the gate under a
   * TLS socket (see `gateInbound()`): pausing a `node:tls` socket alone does not stop it
   * from reading. `window`: bytes `forward()` may leave in the socket before it waits
   * (by default the socket's own high-water mark).
   */
  constructor(
    socket: Duplex,
    options: { bodyIdleMs?: number; flow?: FlowControl; window?: number } = {},
  ) {
    this.socket = socket;
    this.bodyIdleMs = options.bodyIdleMs ?? Infinity;
    this.#window = options.window;
    this.#inbox = new SocketInbox(socket, options.flow, () => this.#deadline.stop());
    this.closed = socket.closed === true || socket.destroyed
      ? Promise.resolve()
      : new Promise((resolve) => socket.once("close", () => resolve()));
  }

  /** True once the peer ended its side or the socket failed. */
  get ended(): boolean {
    return this.#inbox.ended && this.#inbox.queue.length === 0;
  }

  /** Bytes received but not consumed yet. */
  get buffered(): number {
    return this.#inbox.queue.bytes;
  }

  /**
   * The next available bytes, or null at end of stream.
   *
   * @throws {ReadTimeoutError} When nothing arrives within `bodyIdleMs`.
   */
  async read(): Promise<Uint8Array | null> {
    while (this.#inbox.queue.length === 0) {
      if (this.#inbox.ended) return null;
      await this.#waitForBody();
    }
    return this.#inbox.shift();
  }

  /**
   * Up to `max` bytes already received, without waiting (empty when nothing is queued), so a
   * head and the start of its body can leave in one write.
   */
  takeBuffered(max: number): Uint8Array {
    return this.#inbox.take(max);
  }

  /**
   * Call `callback` when bytes arrive from now on (undefined stops it): the pool watches its
   * idle connections this way, at the cost of a field write rather than a listener.
   */
  watchUnsolicited(callback: (() => void) | undefined): void {
    this.#inbox.onUnsolicited = callback;
  }

  /** Put bytes back in front of the queue (they were read but belong to the next message). */
  unread(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#inbox.queue.unshift(chunk);
  }

  /**
   * Read one message head (through CRLF CRLF), leaving any following bytes queued.
   *
   * @param limit Largest accepted head, in bytes.
   * @param timeouts Idle and head timers.
   */
  async readHead(limit: number, timeouts: HeadTimeouts): Promise<HeadRead> {
    let buffer: Uint8Array = new Uint8Array(0);
    this.#deadline.set(timeouts.idleMs);
    let kept = false;
    try {
      while (true) {
        // Taken at once when queued: an await per head costs a promise and a turn.
        const chunk = this.#inbox.queue.length > 0 ? this.#inbox.shift() : null;
        if (chunk === null) {
          if (this.#deadline.expired) return { kind: "timeout", partial: buffer.byteLength > 0 };
          if (this.#inbox.ended) return { kind: "eof" };
          await this.#inbox.waitForData();
          continue;
        }
        const from = Math.max(0, buffer.byteLength - 3);
        const started = buffer.byteLength === 0;
        if (started && timeouts.tls && chunk[0] === TLS_HANDSHAKE) {
          this.unread(chunk);
          return { kind: "tls" };
        }
        buffer = concat(buffer, chunk);
        const end = scanHead(buffer, from, limit);
        if (typeof end === "number") {
          this.unread(buffer.subarray(end));
          kept = true;
          return { kind: "head", bytes: buffer.subarray(0, end) };
        }
        if (end !== "more") return { kind: end };
        if (this.#deadline.expired) return { kind: "timeout", partial: true };
        // The head timer starts with its first byte (needed only when the head is split).
        if (started) this.#deadline.set(timeouts.headMs);
      }
    } finally {
      // A connection that goes on keeps its timer for the next message; others drop it.
      this.#deadline.cancel();
      if (!kept) this.#deadline.stop();
    }
  }

  /**
   * Read one CRLF-terminated line (without the CRLF); a bare LF or an overlong line throws.
   *
   * @param limit Longest accepted line, in bytes.
   */
  readLine(limit: number): Promise<Uint8Array> {
    return readLine(this, limit);
  }

  /**
   * Read exactly `length` bytes, handing each piece to `sink` as it arrives.
   *
   * @throws {ProtocolError} When the stream ends first.
   */
  readExactly(length: number, sink: (piece: Uint8Array) => void | Promise<void>): Promise<void> {
    return readExactly(this, length, sink);
  }

  /** Write bytes; resolves at once unless the socket's buffer is full (then on drain). */
  write(bytes: Uint8Array | string): Promise<void> | undefined {
    return writeOrDrain(this.socket, bytes);
  }

  /**
   * Write bytes read from another stream (a relayed body piece) and free their memory once
   * the socket took them, rather than at the next garbage collection: the caller hands them
   * over and never reads them again. A piece that shares its buffer with other bytes is only
   * written. Every 4 MB forwarded, a young-generation collection frees the reads that no JS
   * code sees (the TLS layer's ciphertext), when the process allows it (`PROXY_V8_FLAGS`).
   * Given a `window`, resolves at once while at most that many bytes wait in the
   * socket, so the next read goes on while this one is written; past it, on drain.
   */
  forward(bytes: Uint8Array): Promise<void> | undefined {
    this.#collect(bytes.byteLength);
    return writeOrDrain(this.socket, bytes, { release: true, window: this.#window });
  }

  /** Stop listening and return the bytes queued but not consumed (for a raw splice). */
  detach(): Uint8Array[] {
    this.#deadline.stop();
    return this.#inbox.detach();
  }

  /** Close the socket now. */
  destroy(): void {
    this.#deadline.stop();
    this.socket.destroy();
  }

  async #waitForBody(): Promise<void> {
    if (this.bodyIdleMs === Infinity) return await this.#inbox.waitForData();
    this.#deadline.set(this.bodyIdleMs);
    try {
      await this.#inbox.waitForData();
      if (this.#deadline.expired && this.#inbox.queue.length === 0 && !this.#inbox.ended) {
        throw new ReadTimeoutError(`No data for ${this.bodyIdleMs} ms inside a message body`);
      }
    } finally {
      this.#deadline.cancel();
    }
  }
}
