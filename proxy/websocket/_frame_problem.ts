/**
 * Whether a client's frame may begin, from its header alone and the message it would continue
 * (OpenShell's `validate_frame_header` and sandbox-limits rows): the rules of the stream,
 * apart from the reading of its bytes (`client_frame_reader.ts`).
 *
 * @module
 */

import { type FrameHeader, OPCODE } from "./_frame_header.ts";

/** The bounds of one client's messages (OpenShell's architecture/sandbox-limits.md). */
export interface FrameLimits {
  /** Largest text message, assembled (1009 past it). */
  maxTextBytes: number;
  /** Most frames in one message (1002 past it). */
  maxFragments: number;
  /** Largest binary frame relayed (1002 past it). */
  maxBinaryFrameBytes: number;
}

/** OpenShell's: a 4 MiB text message, 4,096 fragments, a 16 MiB binary frame. */
export const WEBSOCKET_LIMITS: FrameLimits = {
  maxTextBytes: 4 * 1024 * 1024,
  maxFragments: 4096,
  maxBinaryFrameBytes: 16 * 1024 * 1024,
};

/** The message a client's frames are in: none, a text one being held, or a binary one. */
export type Message = { kind: "none" } | {
  kind: "text";
  parts: Uint8Array[];
  size: number;
  frames: number;
} | {
  kind: "binary";
  frames: number;
};

/**
 * Why `frame` may not begin inside `message` (the close code and the reason), or undefined:
 * masked only, no RSV bit (no extension is offered), control frames whole, FIN and at most
 * 125 bytes, fragments only within one message and within `limits`; `closed`: the client
 * already sent its close frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameHeader } from "./_frame_header.ts";
 * import { frameProblem, WEBSOCKET_LIMITS } from "./_frame_problem.ts";
 * const unmasked = frameHeader(new Uint8Array([0x81, 0x02]));
 * const none = { kind: "none" } as const;
 * assert.deepEqual(frameProblem(unmasked, none, false, WEBSOCKET_LIMITS), [
 *   1002,
 *   "client frame is not masked",
 * ]);
 * ```
 */
export function frameProblem(
  frame: FrameHeader,
  message: Message,
  closed: boolean,
  limits: FrameLimits,
): [1002 | 1009, string] | undefined {
  if (frame.problem) return [1002, frame.problem];
  if (closed) return [1002, "frame after the client's close frame"];
  if (frame.rsv !== 0) return [1002, "frame with RSV bits (no extension was negotiated)"];
  if (!frame.masked) return [1002, "client frame is not masked"];
  if (frame.opcode >= 0x8) {
    if (!frame.fin) return [1002, "fragmented control frame"];
    if (frame.length > 125) return [1002, "control frame longer than 125 bytes"];
    return undefined;
  }
  if (frame.opcode !== OPCODE.continuation && message.kind !== "none") {
    return [1002, "data frame inside a fragmented message"];
  }
  if (frame.opcode === OPCODE.continuation && message.kind === "none") {
    return [1002, "continuation frame without a message to continue"];
  }
  if (message.kind !== "none" && message.frames >= limits.maxFragments) {
    return [1002, `message of more than ${limits.maxFragments} fragments`];
  }
  const binary = frame.opcode === OPCODE.binary || message.kind === "binary";
  if (binary && frame.length > limits.maxBinaryFrameBytes) {
    return [1002, `binary frame over ${limits.maxBinaryFrameBytes} bytes`];
  }
  const sofar = message.kind === "text" ? message.size : 0;
  if (!binary && sofar + frame.length > limits.maxTextBytes) {
    return [1009, `text message over ${limits.maxTextBytes} bytes`];
  }
  return undefined;
}
