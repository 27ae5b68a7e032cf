/**
 * The bytes on a socket and the strict HTTP/1.1 reading of them: `ByteStream` (reads with
 * deadlines, writes that wait for drain), the inbound flow gate, request and response heads,
 * header fields, request targets, chunked and length-framed bodies and the byte budget they
 * draw on. It imports nothing else of the proxy, so the upstream pool, the body scanners and
 * the transport above it share one reading of the wire.
 *
 * @module
 */

export { concat, concatAll, latin1Bytes, releaseMemory, youngCollector } from "./_bytes.ts";
export { drainedOrClosed } from "./_write_or_drain.ts";
export { LazyDeadline } from "./_lazy_deadline.ts";
export { BODY_BUDGET_RETRY_AFTER_S, BodyBudget, BodyBudgetSpentError } from "./body_budget.ts";
export type { BodyLease } from "./body_budget.ts";
export { ByteStream, FORWARD_WINDOW_BYTES } from "./byte_stream.ts";
export { gateInbound, tlsTransport } from "./flow_gate.ts";
export type { FlowControl, GatedSocket, TlsTransport } from "./flow_gate.ts";
export { METHOD_TOKEN, methodOverrides, values } from "./header_fields.ts";
export type { HeaderField } from "./header_fields.ts";
export {
  BodyTooLargeError,
  readChunkedBody,
  readChunkedPrefix,
  relayChunked,
  relayChunkedDecoded,
  relayUntilEnd,
} from "./http1_body.ts";
export type { ChunkedPrefix } from "./http1_body.ts";
export { parseRequestHead, parseResponseHead } from "./http1_head.ts";
export type {
  BodyFraming,
  HeadError,
  HeadResult,
  RequestHead,
  ResponseHead,
} from "./http1_head.ts";
export { ProtocolError, ReadTimeoutError } from "./protocol_error.ts";
export { relayChunkedRest } from "./relay_chunked_rest.ts";
export {
  hostHeader,
  parseAbsoluteTarget,
  parseAuthority,
  splitPathQuery,
} from "./request_target.ts";
export type { AbsoluteTarget, Authority } from "./request_target.ts";
export type { HeadRead, HeadTimeouts } from "./scan_head.ts";
