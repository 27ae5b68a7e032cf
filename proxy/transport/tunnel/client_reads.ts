/**
 * The blind tunnel's client-to-upstream direction (an upload through an L4 tunnel) when the
 * client's socket cannot read into one reused buffer (`adopt_reads.ts`: a stream that is not
 * a node socket, or bytes past the CONNECT head still queued in the socket), without the
 * garbage a pipe leaves: each large chunk read from the client is written upstream and its
 * memory freed as soon as the upstream socket took it, and the client is paused while the
 * upstream's buffer is full.
 *
 * Why: without `onread` (see `relay_reads.ts`) each read is a fresh 64 KB buffer outside V8's
 * heap. Piped, those buffers lived until a collection, which V8 schedules by the JS objects
 * allocated, not by bytes: a 256 MB upload raised the proxy's RSS by 137 MB, and collecting
 * them took a third of its CPU (0.84 CPU-s/GB, against 0.42 with the buffers freed here).
 * Freed at once, they need no forced collection either (ByteStream.forward's every 8 MB is for
 * TLS reads that JS never sees); one cost a little more CPU and saved no memory.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { releaseMemory } from "../../wire/mod.ts";

// Reads below this are left to the collector: a write callback per chunk cost more than the
// early free saved on a tunnel's small requests and responses (L4, 64 clients: about 5 %).
const RELEASE_BYTES = 16 * 1024;

/**
 * Relay what `from` reads to `to` until `from` ends (then end `to`), holding `from` back while
 * `to` cannot take more. Each chunk is the reader's own: a large one is freed once written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { relayClientReads } from "./client_reads.ts";
 *
 * const [from, to] = [new PassThrough(), new PassThrough()];
 * relayClientReads(from, to);
 * from.end("upload");
 * let text = "";
 * for await (const chunk of to) text += chunk;
 * assert.equal(text, "upload");
 * ```
 */
export function relayClientReads(from: Duplex, to: Duplex): void {
  let waiting = false;
  const resume = () => {
    waiting = false;
    from.resume();
  };
  from.on("data", (chunk: Uint8Array) => {
    // The callback runs once the socket has handed the bytes on: nothing reads them again.
    const taken = chunk.byteLength >= RELEASE_BYTES
      ? to.write(chunk, () => releaseMemory(chunk))
      : to.write(chunk);
    if (!taken && !waiting) {
      // One drain listener however many chunks arrive before the pause takes hold.
      waiting = true;
      from.pause();
      to.once("drain", resume);
    }
  });
  from.once("end", () => to.end());
}
