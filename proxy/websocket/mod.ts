/**
 * The WebSocket wire, client to server (RFC 6455): a strict incremental frame reader that
 * holds each text message until it is whole, and the frames the relay writes (close frames,
 * re-framed text messages). It imports nothing else of the proxy; the transport relays and
 * judges with it.
 *
 * @module
 */

export { ClientFrameReader } from "./client_frame_reader.ts";
export type { ClientFrameEvent } from "./client_frame_reader.ts";
export type { FrameLimits } from "./_frame_problem.ts";
export { closeFrame, dataFrame } from "./close_frame.ts";
