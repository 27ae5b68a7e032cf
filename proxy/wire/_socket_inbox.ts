/**
 * What a socket delivered to a `ByteStream` and nobody read yet: the queued chunks, whether the
 * peer ended (or the socket failed), and the pause that bounds the queue.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { ChunkQueue } from "./_chunk_queue.ts";
import type { FlowControl } from "./flow_gate.ts";

// Stop reading from the socket while more than this is queued unconsumed: not as much as, or
// each read (up to 64 KB) of a relayed body would pause and resume the socket. Bound: ~2 reads.
const QUEUE_HIGH_WATER = 64 * 1024;

/**
 * A socket's received bytes, queued from its `data` events until taken; the socket (and the
 * gate under it, for TLS) is paused above {@linkcode QUEUE_HIGH_WATER} queued bytes and resumed
 * once the queue is taken down to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { SocketInbox } from "./_socket_inbox.ts";
 *
 * const socket = new PassThrough();
 * const inbox = new SocketInbox(socket, undefined, () => {});
 * socket.write("hello"); // may be delivered at once: look at the queue before waiting
 * while (inbox.queue.length === 0) await inbox.waitForData();
 * assert.equal(new TextDecoder().decode(inbox.shift()), "hello");
 * socket.end();
 * while (!inbox.ended) await inbox.waitForData();
 * assert.equal(inbox.queue.length, 0);
 * ```
 */
export class SocketInbox {
  /** The chunks received and not taken yet. */
  readonly queue = new ChunkQueue();
  /** Called at each chunk while set (an idle pooled connection: nobody asked for it). */
  onUnsolicited: (() => void) | undefined;
  #socket: Duplex;
  #flow: FlowControl | undefined;
  #ended = false;
  #wake: (() => void) | undefined;
  // deno-lint-ignore no-explicit-any
  #listeners: [string, (...args: any[]) => void][];

  /**
   * Start queueing what `socket` delivers. `flow` is the gate under a TLS socket (pausing a
   * `node:tls` socket alone does not stop it from reading); `onClose` runs when it closes.
   */
  constructor(socket: Duplex, flow: FlowControl | undefined, onClose: () => void) {
    this.#socket = socket;
    this.#flow = flow;
    const onData = (chunk: Uint8Array) => {
      this.queue.push(chunk);
      if (this.queue.bytes > QUEUE_HIGH_WATER) this.#pause();
      this.notify();
      this.onUnsolicited?.();
    };
    // An error ends the stream as the peer's end does: the reader sees end of stream.
    const onEnd = () => {
      this.#ended = true;
      this.notify();
    };
    this.#listeners = [["data", onData], ["end", onEnd], ["error", onEnd], ["close", () => {
      onClose();
      onEnd();
    }]];
    for (const [event, listener] of this.#listeners) socket.on(event, listener);
  }

  /** True once the peer ended its side or the socket failed (chunks may still be queued). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next queued chunk (the queue is not empty); reading resumes below the bound. */
  shift(): Uint8Array {
    const chunk = this.queue.shift();
    if (this.queue.bytes <= QUEUE_HIGH_WATER) this.#resume();
    return chunk;
  }

  /** Up to `max` queued bytes, without waiting; reading resumes below the bound. */
  take(max: number): Uint8Array {
    const taken = this.queue.take(max);
    if (this.queue.bytes <= QUEUE_HIGH_WATER) this.#resume();
    return taken;
  }

  /**
   * Resolves at the next chunk, end, error or {@linkcode SocketInbox.notify}; look at the queue
   * and {@linkcode SocketInbox.ended} first, since what already arrived wakes nobody.
   */
  waitForData(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Wake the reader waiting in {@linkcode SocketInbox.waitForData} (a timer expired). */
  notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Stop listening; the socket stays paused for its next owner. Returns what was queued. */
  detach(): Uint8Array[] {
    for (const [event, listener] of this.#listeners) this.#socket.off(event, listener);
    const rest = this.queue.drain();
    this.#resume();
    // Detaching the "data" listener leaves the stream flowing into nowhere: pause it until the
    // new owner attaches its own consumer.
    this.#socket.pause();
    return rest;
  }

  #pause(): void {
    this.#socket.pause();
    this.#flow?.pause();
  }

  #resume(): void {
    this.#flow?.resume();
    if (this.#socket.isPaused()) this.#socket.resume();
  }
}
