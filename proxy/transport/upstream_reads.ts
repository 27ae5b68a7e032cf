/**
 * The blind tunnel's upstream-to-client direction without per-chunk allocation: the upstream
 * socket reads into one reused buffer (node's documented `onread` socket option), and each
 * chunk is written to the client before the next read reuses the buffer.
 *
 * Why: piping two `node:net` sockets allocates a Buffer and runs the readable stream's event
 * dispatch for every chunk; on a download through the tunnel that cost the proxy about half
 * again its CPU per byte. Reading stops while a write is queued, which keeps the backpressure:
 * at most one buffer of bytes is on its way to a slow client, and the kernel's window holds
 * back the sender.
 *
 * @module
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";

/** Bytes read at most per upstream read. */
const READ_BUFFER_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Relays what an upstream socket reads to `downstream`, one reused buffer at a time. Give
 * `onread` to `net.connect()`, then `start()` with the connected socket once the client may
 * receive upstream bytes (after the CONNECT answer): bytes read before that wait, copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import { PassThrough } from "node:stream";
 * import { UpstreamReads } from "./upstream_reads.ts";
 *
 * const server = net.createServer((socket) => socket.end("banner"));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const client = new PassThrough();
 * const reads = new UpstreamReads(client);
 * const { port } = server.address() as net.AddressInfo;
 * const upstream = net.connect({ host: "127.0.0.1", port, onread: reads.onread });
 * await new Promise((resolve) => upstream.once("connect", resolve));
 * reads.start(upstream);
 * upstream.once("end", () => client.end());
 * let text = "";
 * for await (const chunk of client) text += chunk;
 * assert.equal(text, "banner");
 * upstream.destroy();
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export class UpstreamReads {
  /** Give this to `net.connect()` as its `onread` option. */
  readonly onread: net.OnReadOpts;
  #downstream: Duplex;
  #upstream: net.Socket | undefined;
  #early: Uint8Array[] = [];

  /** Reads destined to `downstream`. */
  constructor(downstream: Duplex) {
    this.#downstream = downstream;
    this.onread = {
      buffer: new Uint8Array(READ_BUFFER_BYTES),
      callback: (bytes: number, buffer: Uint8Array) => this.#relay(buffer.subarray(0, bytes)),
    };
  }

  /** Start relaying from the connected `upstream`: what it read so far goes first. */
  start(upstream: net.Socket): void {
    this.#upstream = upstream;
    for (const chunk of this.#early.splice(0)) this.#downstream.write(chunk);
    upstream.resume();
  }

  #relay(bytes: Uint8Array): boolean {
    const upstream = this.#upstream;
    if (upstream === undefined) {
      // Before start(): the buffer is reused by the next read, so keep a copy.
      this.#early.push(bytes.slice());
      return false;
    }
    const downstream = this.#downstream;
    downstream.write(bytes);
    // Taken by the kernel at once (the usual case): the buffer is free, so keep reading,
    // without a pause, a resume and a write callback per chunk (a tenth of the tunnel's CPU).
    if (downstream.writableLength === 0) return true;
    // Still queued, so the next read must not reuse the buffer yet: pause until an empty
    // write queued behind it completes, which is after the bytes it holds have left.
    downstream.write(EMPTY, () => upstream.resume());
    return false;
  }
}
