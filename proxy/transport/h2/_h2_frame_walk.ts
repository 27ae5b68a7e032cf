/**
 * The one walk of HTTP/2 frame headers over a byte stream cut into chunks anywhere: what keeps
 * the peer's GOAWAY from a session (`h2_goaway_filter.ts`) and what counts frames against the
 * WINDOW_UPDATE bound (`_h2_frame_meter.ts`) read each chunk once, together.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** Called with each frame's type; false drops the frame (header and payload). */
export type OnFrame = (type: number) => boolean;

/**
 * Called once per dropped frame with the first bytes of its payload (at most
 * {@linkcode PEEKED_BYTES}, fewer when the payload is shorter), once they have been read.
 */
export type OnDropped = (head: Uint8Array) => void;

/** How much of a dropped frame's payload {@linkcode OnDropped} is shown (a GOAWAY's ids). */
export const PEEKED_BYTES = 8;

/**
 * A walker of frame headers: each chunk given to it comes back with the frames `onFrame`
 * dropped taken out. It reads 9 bytes a frame and no kept frame's payload; a chunk that loses nothing
 * comes back as it came (no copy), one that loses everything as undefined. A frame header cut
 * across chunks is held until it is whole, so it leaves with the next chunk.
 *
 * @param skip Bytes passed before the first frame (a client's 24-byte connection preface).
 * @param onDropped Shown the first bytes of each dropped frame's payload (a GOAWAY's
 *   last-stream-id and error code), when given.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameWalker } from "./_h2_frame_walk.ts";
 *
 * const types: number[] = [];
 * const walk = frameWalker(0, (type) => (types.push(type), type !== 7));
 * const ping = new Uint8Array([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
 * const goaway = new Uint8Array([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
 * assert.equal(walk(ping), ping); // kept whole: the very chunk
 * assert.equal(walk(goaway), undefined); // dropped whole
 * assert.deepEqual([...walk(new Uint8Array([...goaway, ...ping.subarray(0, 4)])) ?? []], []);
 * assert.deepEqual([...walk(ping.subarray(4))!], [...ping]); // the held header leaves now
 * assert.deepEqual(types, [6, 7, 7, 6]);
 * ```
 */
export function frameWalker(
  skip: number,
  onFrame: OnFrame,
  onDropped?: OnDropped,
): (chunk: Uint8Array) => Uint8Array | undefined {
  let pass = skip; // bytes of the preface or of a kept frame's payload still to pass
  let drop = 0; // bytes of a dropped frame's payload still to drop
  const head = new Uint8Array(9);
  let held = 0; // bytes of a frame header cut at the end of the last chunk
  const peek = new Uint8Array(PEEKED_BYTES);
  let peekWant = 0; // bytes of the dropped frame's payload to show onDropped, read or not
  let peeked = 0;
  const dropping = (length: number) => {
    drop = length;
    if (onDropped === undefined) return;
    peekWant = Math.min(PEEKED_BYTES, length);
    peeked = 0;
    if (peekWant === 0) onDropped(peek.subarray(0, 0));
  };
  const peekAt = (chunk: Uint8Array, at: number, step: number) => {
    const take = Math.min(peekWant - peeked, step);
    peek.set(chunk.subarray(at, at + take), peeked);
    peeked += take;
    if (peeked === peekWant) onDropped!(peek.slice(0, peekWant));
  };
  return (chunk) => {
    // The output is `pieces` (once the chunk differs from it) then chunk[run, at).
    let pieces: Uint8Array[] | undefined;
    let run = 0;
    let at = 0;
    const cut = (): Uint8Array[] => {
      pieces ??= [];
      if (at > run) pieces.push(chunk.subarray(run, at));
      return pieces;
    };
    while (at < chunk.byteLength) {
      if (pass > 0) {
        const step = Math.min(pass, chunk.byteLength - at);
        pass -= step;
        at += step;
      } else if (drop > 0) {
        cut();
        const step = Math.min(drop, chunk.byteLength - at);
        if (peeked < peekWant) peekAt(chunk, at, step);
        drop -= step;
        run = at += step;
      } else if (held > 0 || chunk.byteLength - at < 9) {
        // A header cut across chunks: held back until whole.
        const out = cut();
        const step = Math.min(9 - held, chunk.byteLength - at);
        head.set(chunk.subarray(at, at + step), held);
        held += step;
        run = at += step;
        if (held < 9) break;
        held = 0;
        const length = (head[0]! << 16) | (head[1]! << 8) | head[2]!;
        if (onFrame(head[3]!)) (out.push(head.slice()), pass = length);
        else dropping(length);
      } else {
        const length = (chunk[at]! << 16) | (chunk[at + 1]! << 8) | chunk[at + 2]!;
        if (onFrame(chunk[at + 3]!)) {
          pass = length;
          at += 9;
        } else {
          cut();
          dropping(length);
          run = at += 9;
        }
      }
    }
    if (pieces === undefined) return chunk;
    const out = cut();
    // One piece, as the session's reader expects a socket's chunk (a Buffer).
    return out.length === 0 ? undefined : Buffer.concat(out);
  };
}
