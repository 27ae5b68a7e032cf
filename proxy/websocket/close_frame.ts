/**
 * Close frames (RFC 6455 §5.5.1, §7.4): the ones the relay sends when it ends a WebSocket, and
 * the check of the ones a client sends.
 *
 * @module
 */

/** The longest close reason: a control frame's 125 bytes less the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

const encoder = new TextEncoder();

/**
 * A close frame with `code` and `reason` (cut to 123 bytes at a character boundary); masked
 * with a fresh key when it goes to a server (`masked`), as a client's must be.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeFrame } from "./close_frame.ts";
 * const frame = closeFrame(1008, "denied", false);
 * assert.deepEqual([...frame.subarray(0, 4)], [0x88, 8, 0x03, 0xf0]);
 * ```
 */
export function closeFrame(code: number, reason: string, masked: boolean): Uint8Array {
  const text = cutReason(reason);
  const payload = new Uint8Array(2 + text.byteLength);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return dataFrame(0x8, payload, masked);
}

/**
 * One whole frame (FIN set) of `opcode` carrying `payload`, masked with a fresh key when
 * `masked` (client to server).
 */
export function dataFrame(opcode: number, payload: Uint8Array, masked: boolean): Uint8Array {
  const n = payload.byteLength;
  const extended = n < 126 ? 0 : n <= 0xffff ? 2 : 8;
  const head = 2 + extended + (masked ? 4 : 0);
  const out = new Uint8Array(head + n);
  const view = new DataView(out.buffer);
  out[0] = 0x80 | opcode;
  out[1] = (masked ? 0x80 : 0) | (extended === 0 ? n : extended === 2 ? 126 : 127);
  if (extended === 2) view.setUint16(2, n);
  if (extended === 8) view.setBigUint64(2, BigInt(n));
  if (!masked) {
    out.set(payload, head);
    return out;
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  out.set(mask, head - 4);
  for (let i = 0; i < n; i++) out[head + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

function cutReason(reason: string): Uint8Array {
  const bytes = encoder.encode(reason);
  if (bytes.byteLength <= MAX_CLOSE_REASON_BYTES) return bytes;
  // Cut before the character the limit falls in: a UTF-8 continuation byte is 10xxxxxx.
  let end = MAX_CLOSE_REASON_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * What is wrong with a client's close payload (unmasked), if anything: one byte, a code no
 * endpoint may send (OpenShell's `valid_close_code`), a reason that is not UTF-8.
 */
export function closePayloadProblem(payload: Uint8Array): [1002 | 1007, string] | undefined {
  if (payload.byteLength === 0) return undefined;
  if (payload.byteLength === 1) return [1002, "close frame payload of one byte"];
  const code = (payload[0]! << 8) | payload[1]!;
  const known = code >= 1000 && code <= 1014 && !(code >= 1004 && code <= 1006);
  if (!known && !(code >= 3000 && code <= 4999)) return [1002, `close code ${code} is not valid`];
  try {
    UTF8.decode(payload.subarray(2));
  } catch {
    return [1007, "close reason is not valid UTF-8"];
  }
  return undefined;
}
