/**
 * One client message of GraphQL over WebSocket as a policy reads it (OpenShell's
 * `classify_graphql_websocket_message`): `graphql-transport-ws` `subscribe` and legacy
 * `graphql-ws` `start` carry an operation, judged like a GraphQL POST body's envelope; the
 * lifecycle messages (`connection_init`, `ping`, `pong`, `complete`, `stop`,
 * `connection_terminate`) run nothing and pass; anything else is an error, refused even in
 * audit mode. Read stricter than `JSON.parse`: a key written twice in any spelling is refused,
 * since Go servers (gqlgen) match keys without case and run the last, so
 * `{"type":"ping","TYPE":"subscribe",…}` would pass here as a ping and run there.
 *
 * @module
 */

import { classifyGraphqlEnvelope, type GraphqlRequestInfo } from "./graphql_request.ts";
import { parseStrictJson } from "./_strict_json.ts";

/** A client message: a lifecycle one that runs nothing, or one that runs an operation. */
export type GraphqlWsMessage =
  | { kind: "control"; type: string }
  | { kind: "operation"; type: string; info: GraphqlRequestInfo };

const CONTROL = ["connection_init", "connection_terminate", "ping", "pong", "complete", "stop"];
const OPERATION = ["subscribe", "start"];

/**
 * Classify a client text message of GraphQL over WebSocket; `undefined` (a binary message,
 * whose bytes the proxy does not read) is refused: a server may read it as text, and so is a
 * message over `maxBytes` (the endpoint's `graphql_max_body_bytes`), unread: a text message
 * may be 4 MiB, and reading one held the event loop 30-360 ms (every other client waiting),
 * where a GraphQL POST's body is refused past that limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyGraphqlWsMessage } from "./graphql_ws_message.ts";
 * const enc = (s: string) => new TextEncoder().encode(s);
 * assert.equal(classifyGraphqlWsMessage(enc('{"type":"connection_init"}')).kind, "control");
 * const sub = classifyGraphqlWsMessage(enc('{"type":"subscribe","id":"1","payload":{"query":"mutation { drop }"}}'));
 * assert(sub.kind === "operation" && sub.info.operations[0]?.operation_type === "mutation");
 * ```
 */
export function classifyGraphqlWsMessage(
  bytes: Uint8Array | undefined,
  maxBytes = Infinity,
): GraphqlWsMessage {
  const refused = (type: string, error: string): GraphqlWsMessage => ({
    kind: "operation",
    type,
    info: { operations: [], error },
  });
  if (bytes === undefined) {
    return refused("binary", "GraphQL WebSocket message is binary: only text messages are read");
  }
  if (bytes.byteLength > maxBytes) {
    return refused(
      "unknown",
      `GraphQL WebSocket message exceeds the ${maxBytes} byte inspection limit`,
    );
  }
  const parsed = parseStrictJson(bytes);
  if ("error" in parsed) {
    const why = parsed.error === "invalid JSON"
      ? "is not valid JSON"
      : `is ambiguous: ${parsed.error}`;
    return refused("unknown", `GraphQL WebSocket message ${why}`);
  }
  const value = parsed.value;
  if (!isObject(value)) {
    return refused("unknown", "GraphQL WebSocket message must be a JSON object");
  }
  const type = value.type;
  if (typeof type !== "string") {
    return refused("unknown", "GraphQL WebSocket message missing string type");
  }
  if (CONTROL.includes(type)) return { kind: "control", type };
  if (!OPERATION.includes(type)) {
    // The agent's own text is not echoed into the log: the type is named only when known.
    return refused("unknown", "unsupported GraphQL WebSocket client message type");
  }
  if (typeof value.id !== "string" || value.id === "") {
    return refused(type, "GraphQL WebSocket operation message missing non-empty id");
  }
  if (!isObject(value.payload)) {
    return refused(type, "GraphQL WebSocket operation message missing object payload");
  }
  return { kind: "operation", type, info: classifyGraphqlEnvelope(value.payload) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
