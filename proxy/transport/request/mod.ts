/**
 * One HTTP/1.x request's questions and its way upstream: the method and body guards
 * (forms, GraphQL, bodies a method may not carry), the L7 question, the upstream request, the
 * response relay, and the ledger of a WebSocket's messages. It stands on `../connection/`.
 *
 * @module
 */

export { bodyLineVerdict } from "./body_not_allowed.ts";
export { bodyNotAllowed } from "./body_not_allowed.ts";
export { closesAfterBody } from "./body_not_allowed.ts";
export { requestLineDetail } from "./body_not_allowed.ts";
export { closeWithClient } from "./close_with_client.ts";
export type { Closable } from "./close_with_client.ts";
export { bindsConnection } from "./connection_auth.ts";
export { BodyStoppedError } from "./form_method_guard.ts";
export { checkPiece } from "./form_method_guard.ts";
export { cookieProblem } from "./form_method_guard.ts";
export { FormMethodGuard } from "./form_method_guard.ts";
export { formMethodGuard } from "./form_method_guard.ts";
export { guardedSink } from "./form_method_guard.ts";
export type { BodyStop } from "./form_method_guard.ts";
export type { GuardedRequest } from "./form_method_guard.ts";
export { classifyGraphqlBody } from "./graphql_body.ts";
export { http1BodyReader } from "./graphql_body.ts";
export { inspectGraphql } from "./graphql_body.ts";
export type { BodyReader } from "./graphql_body.ts";
export { readHeadAfterBody } from "./head_after_body.ts";
export type { StreamingBody } from "./head_after_body.ts";
export { isWebSocketUpgrade } from "./is_websocket_upgrade.ts";
export { relayResponse } from "./relay_response.ts";
export type { RelayOutcome } from "./relay_response.ts";
export { requestQuestion } from "./request_question.ts";
export { isIdempotent } from "./upstream_request.ts";
export { requestHeadBytes } from "./upstream_request.ts";
export { sendUpstreamError } from "./upstream_request.ts";
export type { OutgoingRequest } from "./upstream_request.ts";
export { rereadBody } from "./watch_grant.ts";
export { watchGrant } from "./watch_grant.ts";
export { MessageLedger } from "./websocket_ledger.ts";
export type { MessageTarget } from "./websocket_ledger.ts";
