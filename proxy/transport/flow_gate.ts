/**
 * A gate on the bytes a TLS socket reads from its TCP socket, so that pausing really stops
 * reading. Deno's `node:tls` keeps pulling ciphertext from the kernel and queueing the
 * plaintext while the TLS socket is paused (a 1 GB download through interception grew the
 * proxy by 1.7 GB); when the TLS layer reads through this duplex instead, closing the gate
 * pauses the TCP socket itself and the kernel's window pushes back on the sender.
 *
 * @module
 */

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
 * ```ts ignore
 * const gated = gateInbound(tcpSocket);
 * const secure = new TLSSocket(gated.stream, { isServer: true, secureContext });
 * const stream = new ByteStream(secure, { flow: gated.flow });
 * ```
 */
export function gateInbound(socket: Duplex, early: Uint8Array[] = []): GatedSocket {
  let open = true;
  const stream = new Duplex({
    read() {
      if (open) socket.resume();
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
  for (const chunk of early) stream.push(chunk);
  socket.on("data", (chunk) => {
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
