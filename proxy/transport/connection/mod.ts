/**
 * The client connection and what every exchange of the transport stands on: the proxy's
 * shared context and options, the live policy, the answers and refusals it writes
 * (`responses.ts`, `refusal.ts`), the request reader, the answer budget. The folders above it (request, tunnel, upgrade_relay,
 * forward, intercept, h2) import it; it imports none of them. The examples' helpers are in
 * `../examples/`.
 *
 * @module
 */

export { AnswerRefusedError } from "./answer_budget.ts";
export { holdAnswer } from "./answer_budget.ts";
export type { AnswerBudget } from "./answer_budget.ts";
export type { AnswerShare } from "./answer_budget.ts";
export { ClientConnection } from "./client_connection.ts";
export type { IdentitySource } from "./client_connection.ts";
export { duplexFromDenoConn } from "./deno_conn_duplex.ts";
export type { H2Side } from "./h2_side.ts";
export type { LoadH2Side } from "./h2_side.ts";
export { H2_STREAM_WINDOW } from "./h2_windows.ts";
export { widenConnectionWindow } from "./h2_windows.ts";
export { LINGER_MS } from "./lingering_close.ts";
export { lingeringClose } from "./lingering_close.ts";
export type { LivePolicy } from "./live_policy.ts";
export type { PolicyLocalAnswers } from "./policy_local_answers.ts";
export { MAX_CHUNKED_BODY_BYTES } from "./proxy_context.ts";
export { MAX_CLIENT_CONNECTIONS } from "./proxy_context.ts";
export { MAX_HEAD_BYTES } from "./proxy_context.ts";
export { MAX_POLICY_LOCAL_BODY_BYTES } from "./proxy_context.ts";
export { MAX_RESPONSE_HEAD_BYTES } from "./proxy_context.ts";
export type { ProxyContext } from "./proxy_context.ts";
export { createContext } from "./proxy_options.ts";
export type { ProxyOptions } from "./proxy_options.ts";
export { READ_BUFFER_BYTES } from "./read_buffers.ts";
export type { ReadBuffers } from "./read_buffers.ts";
export { recordEvent } from "./recorded_event.ts";
export { ssrfDecision } from "./recorded_event.ts";
export type { RecordedEvent } from "./recorded_event.ts";
export type { L7Question } from "./l7_question.ts";
export { isRefusal } from "./refusal.ts";
export { refusal } from "./refusal.ts";
export type { Refusal } from "./refusal.ts";
export { readRequest } from "./request_reader.ts";
export { BODY_TIMEOUT_DETAIL } from "./responses.ts";
export { DENY_REASON } from "./responses.ts";
export { errorResponse } from "./responses.ts";
export { reasonPhrase } from "./responses.ts";
export { sendDeny } from "./responses.ts";
export { sendError } from "./responses.ts";
export { TOO_MANY_BODIES } from "./responses.ts";
export type { SendDenyOptions } from "./responses.ts";
