/**
 * A gate on the bytes a TLS socket reads from its TCP socket, so that pausing really stops
 * reading. Deno's `node:tls` keeps pulling ciphertext from the kernel and queueing the
 * plaintext while the TLS socket is paused (a 1 GB download through interception grew the
 * proxy by 1.7 GB); when the TLS layer reads through this duplex instead, closing the gate
 * pauses the TCP socket itself and the kernel's window pushes back on the sender.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";

/** Pauses and resumes the bytes entering a stream (see {@linkcode gateInbound}). */
export interface FlowControl {
  /** Stop reading from the socket underneath. */
  pause(): void;
  /** Read from the socket underneath again. */
  resume(): void;
}

/** A gated view of a socket, and the gate. */
export interface GatedSocket {
  /** Give this to the TLS layer instead of the socket. */
  stream: Duplex;
  /** Closes and opens the gate. */
  flow: FlowControl;
}

/**
 * Wrap `socket` so that its reads can be stopped from outside, optionally yielding `early`
 * bytes first (bytes a client sent before the proxy answered its CONNECT).
 *
 * @param socket The TCP socket (or any duplex) underneath.
 * @param early Bytes already read from `socket`, delivered before its own.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { gateInbound } from "./flow_gate.ts";
 *
 * const socket = new PassThrough();
 * const gated = gateInbound(socket, [new TextEncoder().encode("early ")]);
 * socket.write("later");
 * const seen: string[] = [];
 * await new Promise<void>((resolve) => {
 *   gated.stream.on("data", (chunk) => seen.push(String(chunk)) === 2 && resolve());
 * });
 * assert.deepEqual(seen, ["early ", "later"]); // what was read early comes first
 * gated.flow.pause(); // the gate is closed: the socket underneath stops being read
 * gated.stream.destroy();
 * ```
 */
export function gateInbound(socket: Duplex, early: Uint8Array[] = []): GatedSocket {
  let open = true;
  const waiting = [...early];
  let ready = waiting.length === 0;
  let started = false;
  const stream = new Duplex({
    read() {
      if (ready) return void (open && socket.resume());
      if (started) return;
      started = true;
      // Early bytes wait for the first read and a turn of the event loop (setImmediate: a 0 ms
      // timer costs a millisecond or more per new tunnel): pushed at once, Deno 2.9's
      // TLSSocket handled them inside its own start and could throw from a callback no
      // listener catches (one malformed ClientHello killed the proxy).
      setImmediate(() => {
        ready = true;
        for (const chunk of waiting.splice(0)) stream.push(chunk);
        if (open) socket.resume();
      });
    },
    write(chunk, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (chunk) => {
    // Until the early bytes are out, later ones queue behind them.
    if (!ready) return void waiting.push(chunk);
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("close", () => stream.destroy());
  socket.on("error", (error) => stream.destroy(error));
  const flow: FlowControl = {
    pause() {
      open = false;
      socket.pause();
    },
    resume() {
      if (open) return;
      open = true;
      socket.resume();
    },
  };
  return { stream, flow };
}

/**
 * Pause and resume reads at the TCP handle of `socket`, for a TLS socket built on `socket`
 * itself: Deno's `node:tls` then reads the handle directly (pausing either socket does not
 * stop it), and HTTP/2 needs that native path, which {@linkcode gateInbound}'s JS stream
 * cannot carry. Undefined when the socket has no such handle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import { PassThrough } from "node:stream";
 * import { handleFlow } from "./flow_gate.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const socket = net.connect({ host: "127.0.0.1", port: listener.addr.port });
 * const accepted = await listener.accept();
 * await new Promise((resolve) => socket.once("connect", resolve));
 * assert.ok(handleFlow(socket)); // a TCP socket: reads pause at its handle
 * assert.equal(handleFlow(new PassThrough()), undefined); // no handle to pause
 * socket.destroy();
 * accepted.close();
 * listener.close();
 * ```
 */
export function handleFlow(socket: Duplex): FlowControl | undefined {
  type Handle = { readStop?: () => unknown; readStart?: () => unknown };
  // Looked up at each call: the handle is the socket's own until it closes.
  const handle = () => (socket as unknown as { _handle?: Handle | null })._handle;
  if (typeof handle()?.readStop !== "function") return undefined;
  let paused = false;
  return {
    pause() {
      if (paused) return;
      paused = true;
      handle()?.readStop?.();
    },
    resume() {
      if (!paused) return;
      paused = false;
      handle()?.readStart?.();
    },
  };
}

/** What a TLS socket is built on, and how to pause its reads. */
export interface TlsTransport {
  /** Give this to `new TLSSocket()` or `tls.connect({ socket })`. */
  stream: Duplex;
  /** Pauses the reads under the TLS socket; undefined when nothing can. */
  flow?: FlowControl;
}

/**
 * The stream to build a TLS socket on, with `early` bytes (read from `socket` already, such
 * as a ClientHello read to tell TLS from plain HTTP) delivered first.
 *
 * A TCP socket carries the TLS socket itself: Deno's native path, with reads paused at its
 * handle ({@linkcode handleFlow}) and the early bytes put back into its buffer, which
 * `node:tls` hands to the handshake before any later byte. Only a socket without a TCP
 * handle goes through {@linkcode gateInbound}'s JS stream, where every TLS record costs JS
 * stream plumbing (on both sides of an interception it tripled the proxy's CPU time per
 * kept-alive request).
 *
 * @param socket The connected socket, paused or never read (a resumed one would hand the early
 * bytes to its `data` listeners before the TLS socket drains them).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { tlsTransport } from "./flow_gate.ts";
 *
 * // A socket without a TCP handle goes through the JS gate, the early bytes first.
 * const socket = new PassThrough();
 * const { stream, flow } = tlsTransport(socket, [new TextEncoder().encode("hello")]);
 * assert.notEqual(stream, socket);
 * assert.ok(flow);
 * const first = await new Promise((resolve) => stream.once("data", resolve));
 * assert.equal(String(first), "hello");
 * stream.destroy();
 * ```
 */
export function tlsTransport(socket: Duplex, early: Uint8Array[] = []): TlsTransport {
  const native = handleFlow(socket);
  if (native !== undefined && !socket.readableEnded) {
    if (early.length > 0) socket.unshift(Buffer.concat(early));
    return { stream: socket, flow: native };
  }
  const gated = early.length === 0 ? undefined : gateInbound(socket, early);
  socket.resume();
  return gated ?? { stream: socket };
}
