/**
 * What the judged WebSocket relay sends its origin, gathered into few writes.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { concatAll, drainedOrClosed } from "../../wire/mod.ts";

// Frames for the origin are written together, up to this many bytes a write.
const WRITE_BYTES = 64 * 1024;

/**
 * Frames queued for the origin and written together: a chunk of a client's tiny frames went
 * upstream as a write each, a socket op each whose buffer lived until the event loop ran it
 * (a flood of empty messages took a proxy from 80 to 640 MB of RSS in 10 s).
 */
export class OriginWrites {
  #out: Uint8Array[] = [];
  #bytes = 0;

  /** Writes to `upstream`. */
  constructor(readonly upstream: Duplex) {}

  /** Queue `bytes`; written with the rest at the next flush, or now once 64 KiB gathered. */
  async queue(bytes: Uint8Array): Promise<void> {
    this.#out.push(bytes);
    this.#bytes += bytes.byteLength;
    if (this.#bytes >= WRITE_BYTES) await this.flush();
  }

  /** Write what is queued, then wait until the socket takes more. */
  async flush(): Promise<void> {
    if (this.#out.length === 0) return;
    if (!this.upstream.write(this.#taken())) await drainedOrClosed(this.upstream);
  }

  /** Write what is queued without waiting (before the socket is ended). */
  flushNow(): void {
    if (this.#out.length > 0) this.upstream.write(this.#taken());
  }

  #taken(): Uint8Array {
    const bytes = this.#out.length === 1 ? this.#out[0]! : concatAll(this.#out, this.#bytes);
    this.#out = [];
    this.#bytes = 0;
    return bytes;
  }
}
