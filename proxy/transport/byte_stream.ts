/**
 * A pull-style reader and writer over any node `Duplex` (a TCP socket, a TLS socket, a
 * unix-socket bridge), so the HTTP code reads "the next head" or "exactly n bytes" in order
 * and never forwards bytes it has not parsed yet.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { concat, concatAll, hasBareLf, indexOfSequence } from "./_bytes.ts";
import type { FlowControl } from "./flow_gate.ts";

/** Raised when a peer breaks HTTP framing mid-message (mapped to 400 or 502 by callers). */
export class ProtocolError extends Error {
  /** Always `"ProtocolError"`. */
  override name = "ProtocolError";
}

/** Raised when the next bytes of a message body did not arrive within the stream's limit. */
export class ReadTimeoutError extends ProtocolError {
  /** Always `"ReadTimeoutError"`. */
  override name = "ReadTimeoutError";
}

/** Result of waiting for a message head. */
export type HeadRead =
  | { kind: "head"; bytes: Uint8Array }
  | { kind: "eof" }
  | { kind: "too_large" }
  | { kind: "bare_lf" }
  | { kind: "timeout"; partial: boolean };

/** Timers for {@linkcode ByteStream.readHead}. */
export interface HeadTimeouts {
  /** Wait at most this long for the first byte (idle keep-alive connection). */
  idleMs: number;
  /** Once a byte arrived, the whole head must arrive within this long. */
  headMs: number;
}

// Stop reading from the socket while this much is queued but not yet consumed.
const QUEUE_HIGH_WATER = 64 * 1024;
const CRLFCRLF = [13, 10, 13, 10];

/**
 * Pull reader + writer over a node duplex stream.
 *
 * @example
 * ```ts ignore
 * const stream = new ByteStream(socket);
 * const head = await stream.readHead(8192, { idleMs: 15000, headMs: 15000 });
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
  #flow: FlowControl | undefined;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  // deno-lint-ignore no-explicit-any
  #listeners: [string, (...args: any[]) => void][];
  // One lazy timer per stream: moving the deadline later (every keep-alive request) only
  // updates `#deadline`; the timer re-arms itself when it fires early. A timer per head cost
  // ~8 % of the proxy's CPU at one request at a time.
  #deadline = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #expired = false;

  /**
   * Start reading from `socket` (data is queued until it is read). `flow` is the gate under a
   * TLS socket (see `gateInbound()`): pausing a `node:tls` socket alone does not stop it
   * from reading.
   */
  constructor(socket: Duplex, options: { bodyIdleMs?: number; flow?: FlowControl } = {}) {
    this.socket = socket;
    this.bodyIdleMs = options.bodyIdleMs ?? Infinity;
    this.#flow = options.flow;
    const onData = (chunk: Uint8Array) => {
      this.#queue.push(chunk);
      this.#queued += chunk.byteLength;
      if (this.#queued >= QUEUE_HIGH_WATER) this.#pause();
      this.#notify();
    };
    const onEnd = () => {
      this.#ended = true;
      this.#notify();
    };
    const onClose = () => {
      this.#stopTimer();
      onEnd();
    };
    const onError = (error: Error) => {
      this.#error ??= error;
      this.#ended = true;
      this.#notify();
    };
    this.#listeners = [["data", onData], ["end", onEnd], ["error", onError], ["close", onClose]];
    for (const [event, listener] of this.#listeners) socket.on(event, listener);
    this.closed = socket.closed === true || socket.destroyed
      ? Promise.resolve()
      : new Promise((resolve) => socket.once("close", () => resolve()));
  }

  /** True once the peer ended its side or the socket failed. */
  get ended(): boolean {
    return this.#ended && this.#queue.length === 0;
  }

  /** Bytes received but not consumed yet. */
  get buffered(): number {
    return this.#queued;
  }

  /**
   * The next available bytes, or null at end of stream.
   *
   * @throws {ReadTimeoutError} When nothing arrives within `bodyIdleMs`.
   */
  async read(): Promise<Uint8Array | null> {
    while (this.#queue.length === 0) {
      if (this.#ended) return null;
      await this.#waitForBody();
    }
    const chunk = this.#queue.shift()!;
    this.#queued -= chunk.byteLength;
    if (this.#queued < QUEUE_HIGH_WATER) this.#resume();
    return chunk;
  }

  /**
   * Up to `max` bytes already received, without waiting (empty when nothing is queued), so a
   * head and the start of its body can leave in one write.
   */
  takeBuffered(max: number): Uint8Array {
    const pieces: Uint8Array[] = [];
    let taken = 0;
    while (taken < max && this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      const piece = chunk.byteLength > max - taken ? chunk.subarray(0, max - taken) : chunk;
      if (piece !== chunk) this.#queue.unshift(chunk.subarray(piece.byteLength));
      pieces.push(piece);
      taken += piece.byteLength;
    }
    this.#queued -= taken;
    if (this.#queued < QUEUE_HIGH_WATER) this.#resume();
    return pieces.length === 1 ? pieces[0]! : concatAll(pieces, taken);
  }

  /** Put bytes back in front of the queue (they were read but belong to the next message). */
  unread(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#queue.unshift(chunk);
    this.#queued += chunk.byteLength;
  }

  /**
   * Read one message head (through CRLF CRLF), leaving any following bytes queued.
   *
   * @param limit Largest accepted head, in bytes.
   * @param timeouts Idle and head timers.
   */
  async readHead(limit: number, timeouts: HeadTimeouts): Promise<HeadRead> {
    let buffer: Uint8Array = new Uint8Array(0);
    this.#setDeadline(timeouts.idleMs);
    let kept = false;
    try {
      while (true) {
        const chunk = this.#queue.length > 0 || this.#ended ? await this.read() : null;
        if (chunk === null) {
          if (this.#expired) return { kind: "timeout", partial: buffer.byteLength > 0 };
          if (this.#ended) return { kind: "eof" };
          await this.#waitForData();
          continue;
        }
        const from = Math.max(0, buffer.byteLength - 3);
        const started = buffer.byteLength === 0;
        buffer = concat(buffer, chunk);
        const end = indexOfSequence(buffer, CRLFCRLF, from);
        // A bare LF may end a head for a lenient server: refuse it instead of waiting for CRLF.
        if (hasBareLf(buffer, from, end === -1 ? buffer.byteLength : end + 4)) {
          return { kind: "bare_lf" };
        }
        if (end !== -1 && end + 4 > limit) return { kind: "too_large" };
        if (end !== -1) {
          this.unread(buffer.subarray(end + 4));
          kept = true;
          return { kind: "head", bytes: buffer.subarray(0, end + 4) };
        }
        if (buffer.byteLength >= limit) return { kind: "too_large" };
        if (this.#expired) return { kind: "timeout", partial: true };
        // The head timer starts with its first byte (needed only when the head is split).
        if (started) this.#setDeadline(timeouts.headMs);
      }
    } finally {
      // A connection that goes on keeps its timer for the next message; others drop it.
      this.#deadline = Infinity;
      if (!kept) this.#stopTimer();
    }
  }

  /**
   * Read one CRLF-terminated line (without the CRLF); a bare LF or an overlong line throws.
   *
   * @param limit Longest accepted line, in bytes.
   */
  async readLine(limit: number): Promise<Uint8Array> {
    let buffer: Uint8Array = new Uint8Array(0);
    while (true) {
      const chunk = await this.read();
      if (chunk === null) throw new ProtocolError("Connection closed inside a chunked body");
      const from = buffer.byteLength;
      buffer = concat(buffer, chunk);
      const lf = buffer.indexOf(10, from);
      if (lf !== -1) {
        if (lf === 0 || buffer[lf - 1] !== 13) throw new ProtocolError("Bare LF in chunked body");
        this.unread(buffer.subarray(lf + 1));
        return buffer.subarray(0, lf - 1);
      }
      if (buffer.byteLength > limit) throw new ProtocolError("Overlong line in chunked body");
    }
  }

  /**
   * Read exactly `length` bytes, handing each piece to `sink` as it arrives.
   *
   * @throws {ProtocolError} When the stream ends first.
   */
  async readExactly(
    length: number,
    sink: (piece: Uint8Array) => void | Promise<void>,
  ): Promise<void> {
    let left = length;
    while (left > 0) {
      const chunk = await this.read();
      if (chunk === null) throw new ProtocolError("Connection closed inside a message body");
      const piece = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
      if (piece !== chunk) this.unread(chunk.subarray(left));
      left -= piece.byteLength;
      await sink(piece);
    }
  }

  /** Write bytes; resolves at once unless the socket's buffer is full (then on drain). */
  write(bytes: Uint8Array | string): Promise<void> | undefined {
    if (this.socket.destroyed) return Promise.reject(new ProtocolError("Socket is closed"));
    if (this.socket.write(bytes)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  /** Stop listening and return the bytes queued but not consumed (for a raw splice). */
  detach(): Uint8Array[] {
    this.#stopTimer();
    for (const [event, listener] of this.#listeners) this.socket.off(event, listener);
    const rest = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    this.#resume();
    // Detaching the "data" listener leaves the stream flowing into nowhere: pause it until the
    // new owner attaches its own consumer.
    this.socket.pause();
    return rest;
  }

  /** Close the socket now. */
  destroy(): void {
    this.#stopTimer();
    this.socket.destroy();
  }

  #pause(): void {
    this.socket.pause();
    this.#flow?.pause();
  }

  #resume(): void {
    this.#flow?.resume();
    if (this.socket.isPaused()) this.socket.resume();
  }

  #setDeadline(ms: number): void {
    const at = performance.now() + ms;
    this.#deadline = at;
    this.#expired = false;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#stopTimer();
    this.#arm(at);
  }

  #arm(at: number): void {
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      if (this.#deadline === Infinity) return;
      const left = this.#deadline - performance.now();
      // Timers may fire a little early: re-arm for what is left of a deadline moved later.
      if (left > 1) return this.#arm(this.#deadline);
      this.#expired = true;
      this.#notify();
    }, Math.max(0, at - performance.now()));
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  async #waitForBody(): Promise<void> {
    if (this.bodyIdleMs === Infinity) return await this.#waitForData();
    this.#setDeadline(this.bodyIdleMs);
    try {
      await this.#waitForData();
      if (this.#expired && this.#queue.length === 0 && !this.#ended) {
        throw new ReadTimeoutError(`No data for ${this.bodyIdleMs} ms inside a message body`);
      }
    } finally {
      this.#deadline = Infinity;
    }
  }

  #waitForData(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
