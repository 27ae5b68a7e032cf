/**
 * The blind tunnel's byte relay without per-chunk allocation: a socket reads into one reused
 * buffer (node's documented `onread` socket option), and each chunk is written to the other
 * socket before the next read reuses the buffer. The upstream socket gets it at connect; the
 * client's accepted socket once the tunnel is decided (see `adopt_reads.ts`).
 *
 * Why: piping two `node:net` sockets allocates a Buffer and runs the readable stream's event
 * dispatch for every chunk; on a download through the tunnel that cost the proxy about half
 * again its CPU per byte. Reading stops while a write is queued, which keeps the backpressure:
 * at most one buffer of bytes is on its way to a slow peer, and the kernel's window holds
 * back the sender.
 *
 * @module
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";
import { READ_BUFFER_BYTES } from "../connection/mod.ts";

const EMPTY = new Uint8Array(0);

/**
 * Relays what a socket reads to another, one reused buffer at a time. Give `onread` to the
 * reading socket (`net.connect()`, `new net.Socket()`), then `start()` once its bytes may go
 * on (for the upstream, after the CONNECT answer): bytes read before that wait, copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import { PassThrough } from "node:stream";
 * import { RelayReads } from "./relay_reads.ts";
 *
 * const server = net.createServer((socket) => socket.end("banner"));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const client = new PassThrough();
 * const reads = new RelayReads();
 * const { port } = server.address() as net.AddressInfo;
 * const upstream = net.connect({ host: "127.0.0.1", port, onread: reads.onread });
 * await new Promise((resolve) => upstream.once("connect", resolve));
 * reads.start(upstream, client);
 * upstream.once("end", () => client.end());
 * let text = "";
 * for await (const chunk of client) text += chunk;
 * assert.equal(text, "banner");
 * upstream.destroy();
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export class RelayReads {
  /** Give this to the reading socket as its `onread` option. */
  readonly onread: net.OnReadOpts;
  #from: net.Socket | undefined;
  #to: Duplex | undefined;
  #early: Uint8Array[] = [];

  /**
   * Reads into `buffer`, not destined anywhere yet: {@linkcode RelayReads.start} names where.
   */
  constructor(buffer: Uint8Array = new Uint8Array(READ_BUFFER_BYTES)) {
    this.onread = {
      buffer,
      callback: (bytes: number, buffer: Uint8Array) => this.#relay(buffer.subarray(0, bytes)),
    };
  }

  /** Start relaying what `from` reads to `to`: what it read so far goes first. */
  start(from: net.Socket, to: Duplex): void {
    this.#from = from;
    this.#to = to;
    for (const chunk of this.#early.splice(0)) to.write(chunk);
    from.resume();
  }

  #relay(bytes: Uint8Array): boolean {
    const from = this.#from;
    const to = this.#to;
    if (from === undefined || to === undefined) {
      // Before start(): the buffer is reused by the next read, so keep a copy.
      this.#early.push(bytes.slice());
      return false;
    }
    to.write(bytes);
    // Taken by the kernel at once (the usual case): the buffer is free, so keep reading,
    // without a pause, a resume and a write callback per chunk (a tenth of the tunnel's CPU).
    if (to.writableLength === 0) return true;
    // Still queued, so the next read must not reuse the buffer yet: pause until an empty
    // write queued behind it completes, which is after the bytes it holds have left.
    to.write(EMPTY, () => from.resume());
    return false;
  }
}
