/**
 * A strict, incremental reader of the client-to-server half of an upgraded WebSocket (RFC 6455
 * §5): it turns the bytes a client sends into what the relay may do with them, and refuses
 * what OpenShell's relay refuses (`frameProblem()`: its `validate_frame_header` and sandbox-limits
 * rows).
 *
 * @module
 */

import { type FrameHeader, frameHeader, headerLength, OPCODE } from "./_frame_header.ts";
import { closePayloadProblem } from "./close_frame.ts";
import {
  type FrameLimits,
  frameProblem,
  type Message,
  WEBSOCKET_LIMITS,
} from "./_frame_problem.ts";

/** What the relay does next, in order. */
export type ClientFrameEvent =
  /** Bytes to forward as they are (control and binary frames); `boundary`: they end a frame. */
  | { kind: "pass"; bytes: Uint8Array; boundary: boolean }
  /** A binary message starts: judge it before its first byte goes upstream. */
  | { kind: "binary" }
  /** A whole text message, unmasked and valid UTF-8: judge it, then send it re-framed. */
  | { kind: "text"; payload: Uint8Array }
  /** The connection must close with `code`; `reason` says why (for the log). */
  | { kind: "fail"; code: 1002 | 1007 | 1009; reason: string };

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a client's frames as they arrive. Masked frames only; no RSV bit (Tollgate offers the
 * origin no extension); control frames whole, at most 125 bytes and FIN; fragments only
 * within one message, bounded; a text message is held until it is whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientFrameReader } from "./client_frame_reader.ts";
 * // "hi", masked with the key 0 0 0 0, in two reads.
 * const reader = new ClientFrameReader();
 * assert.deepEqual(reader.push(new Uint8Array([0x81, 0x82, 0, 0])), []);
 * const [event] = reader.push(new Uint8Array([0, 0, 0x68, 0x69]));
 * assert.equal(event?.kind, "text");
 * ```
 */
export class ClientFrameReader {
  readonly #limits: FrameLimits;
  #pending: Uint8Array = new Uint8Array(0);
  #frame: FrameHeader | undefined;
  /** Payload bytes of the current frame still to come (binary: streamed; others: held). */
  #left = 0;
  #held: Uint8Array[] = [];
  #message: Message = { kind: "none" };
  #closed = false;
  #failed = false;

  /** A reader of one client's frames, within `limits` (OpenShell's by default). */
  constructor(limits: FrameLimits = WEBSOCKET_LIMITS) {
    this.#limits = limits;
  }

  /** Bytes of an unfinished text message held (0 between messages): the room it needs. */
  get holding(): number {
    const message = this.#message;
    if (message.kind !== "text") return 0;
    const frame = this.#frame;
    const current = frame !== undefined && frame.opcode < 0x8 ? frame.length - this.#left : 0;
    return message.size + current;
  }

  /** Whether a binary message has begun and not ended: its later frames were not judged. */
  get inBinary(): boolean {
    return this.#message.kind === "binary";
  }

  /** Take the next bytes the client sent (never written to); what to do with them, in order. */
  push(chunk: Uint8Array): ClientFrameEvent[] {
    if (this.#failed) return [];
    const out: ClientFrameEvent[] = [];
    // A plain view: a Buffer's slice() shares memory, and what is held or unmasked is a copy.
    const view = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let bytes = this.#pending.byteLength === 0 ? view : join([this.#pending, view]);
    this.#pending = new Uint8Array(0);
    while (bytes.byteLength > 0 && !this.#failed) {
      if (this.#frame === undefined) {
        const need = headerLength(bytes);
        if (need === undefined || bytes.byteLength < need) break;
        this.#begin(frameHeader(bytes.subarray(0, need)), bytes.subarray(0, need), out);
        bytes = bytes.subarray(need);
      } else {
        const take = Math.min(this.#left, bytes.byteLength);
        this.#payload(bytes.subarray(0, take), out);
        bytes = bytes.subarray(take);
      }
      if (this.#frame !== undefined && this.#left === 0) this.#end(out);
    }
    if (!this.#failed) this.#pending = bytes.slice();
    return out;
  }

  #fail(out: ClientFrameEvent[], code: 1002 | 1007 | 1009, reason: string): void {
    this.#failed = true;
    out.push({ kind: "fail", code, reason });
  }

  #begin(frame: FrameHeader, raw: Uint8Array, out: ClientFrameEvent[]): void {
    const problem = frameProblem(frame, this.#message, this.#closed, this.#limits);
    if (problem !== undefined) return this.#fail(out, problem[0], problem[1]);
    this.#frame = frame;
    this.#left = frame.length;
    const message = this.#message;
    if (frame.opcode === OPCODE.binary) {
      this.#message = { kind: "binary", frames: 1 };
      out.push({ kind: "binary" });
    } else if (frame.opcode === OPCODE.text) {
      this.#message = { kind: "text", parts: [], size: 0, frames: 1 };
    } else if (frame.opcode === OPCODE.continuation) message.kind !== "none" && message.frames++;
    if (this.#streams(frame)) {
      out.push({ kind: "pass", bytes: raw.slice(), boundary: frame.length === 0 });
    } else this.#held = [raw.slice()];
  }

  // Binary frames go on as they come (judged at their message's start); text and control
  // frames are held until whole.
  #streams(frame: FrameHeader): boolean {
    return frame.opcode === OPCODE.binary ||
      (frame.opcode === OPCODE.continuation && this.#message.kind === "binary");
  }

  #payload(bytes: Uint8Array, out: ClientFrameEvent[]): void {
    const frame = this.#frame!;
    const at = frame.length - this.#left;
    this.#left -= bytes.byteLength;
    const boundary = this.#left === 0;
    if (this.#streams(frame)) {
      // A view, not a copy: nothing writes into the input (the relay's fresh socket buffers).
      return void out.push({ kind: "pass", bytes, boundary });
    }
    const copy = bytes.slice();
    if (frame.opcode === OPCODE.text || frame.opcode === OPCODE.continuation) {
      unmask(copy, frame.mask, at);
    }
    this.#held.push(copy);
  }

  #end(out: ClientFrameEvent[]): void {
    const frame = this.#frame!;
    this.#frame = undefined;
    const message = this.#message;
    if (frame.opcode >= 0x8) return this.#control(frame, out);
    if (message.kind === "binary") {
      if (frame.fin) this.#message = { kind: "none" };
      return;
    }
    if (message.kind !== "text") return;
    const part = join(this.#held.slice(1));
    message.parts.push(part);
    message.size += part.byteLength;
    if (!frame.fin) return;
    this.#message = { kind: "none" };
    const payload = join(message.parts);
    try {
      UTF8.decode(payload);
    } catch {
      return this.#fail(out, 1007, "text message is not valid UTF-8");
    }
    out.push({ kind: "text", payload });
  }

  #control(frame: FrameHeader, out: ClientFrameEvent[]): void {
    const [head, ...rest] = this.#held;
    const masked = join(rest);
    if (frame.opcode === OPCODE.close) {
      const plain = masked.slice();
      unmask(plain, frame.mask, 0);
      const problem = closePayloadProblem(plain);
      if (problem !== undefined) return this.#fail(out, problem[0], problem[1]);
      this.#closed = true;
    }
    out.push({ kind: "pass", bytes: join([head!, masked]), boundary: true });
  }
}

function unmask(bytes: Uint8Array, mask: Uint8Array, offset: number): void {
  for (let i = 0; i < bytes.byteLength; i++) bytes[i]! ^= mask[(offset + i) & 3]!;
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
