/**
 * GraphQL and JSON-RPC (MCP, generic) inspection for the transport: when such an endpoint will judge a
 * request, read its body first (up to the endpoint's cap; 413 beyond) and classify it, so the decision sees the
 * operations and exactly the bytes it judged go upstream. The body is read through a
 * {@linkcode BodyReader}, so HTTP/1.1 and HTTP/2 requests are classified by the same code.
 *
 * @module
 */

import {
  classifyGraphqlRequest,
  classifyMcpRequest,
  type GraphqlRequestInfo,
  type JsonRpcMode,
  type McpRequestInfo,
} from "../../policy/mod.ts";
import { ReadTimeoutError } from "../../wire/mod.ts";
import {
  BODY_TIMEOUT_DETAIL,
  type ClientConnection,
  isRefusal,
  type L7Question,
  type Refusal,
  refusal,
  sendError,
  TOO_MANY_BODIES,
} from "../connection/mod.ts";
import { values } from "../../wire/mod.ts";
import { BodyTooLargeError, readChunkedBody } from "../../wire/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { isWebSocketUpgrade } from "./is_websocket_upgrade.ts";
import { BodyBudgetSpentError } from "../../wire/mod.ts";

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/**
 * Reads a request's whole body before it is decided: the bytes, undefined when the request
 * has none, or the refusal to answer (413 with `tooLarge` over `cap` bytes, 408 when the body
 * stops arriving, 400 when it is malformed).
 */
export type BodyReader = (
  cap: number,
  tooLarge: string,
) => Promise<Uint8Array | undefined | Refusal>;

/**
 * Classify the request into `question.graphql` (`question.mcp`, `question.jsonRpc`) when a
 * GraphQL (MCP, JSON-RPC) endpoint will judge it.
 *
 * @returns The body read (to forward instead of the client's stream), undefined when none
 *   was read, or the refusal to answer instead of deciding.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import type { L7Question } from "../connection/mod.ts";
 * import { classifyGraphqlBody, http1BodyReader } from "./graphql_body.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   gql:
 *     endpoints:
 *       - { host: a.test, port: 80, path: /graphql, protocol: graphql,
 *           rules: [{ allow: { operation_type: query, fields: [viewer] } }] }
 * `;
 * await using pair = await clientPair(policy);
 * const json = JSON.stringify({ query: "query Viewer { viewer { login } }" });
 * await pair.send(`POST http://a.test/graphql HTTP/1.1\r\nHost: a.test\r\n` +
 *   `Content-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
 * const head = (await readRequest(pair.client, true))!;
 * const question: L7Question = { method: "POST", path: "/graphql" };
 * const readBody = http1BodyReader(pair.client, head);
 * const target = { host: "a.test", port: 80 };
 * await classifyGraphqlBody(pair.client, target, { head, question, readBody });
 * assert.deepEqual(question.graphql?.operations[0]?.fields, ["viewer"]);
 * ```
 */
export async function classifyGraphqlBody(
  client: ClientConnection,
  target: { host: string; port: number },
  request: { head: RequestHead; question: L7Question; readBody: BodyReader },
): Promise<Uint8Array | undefined | Refusal> {
  const { head, question } = request;
  const judged = await client.bodyInspection(target.host, target.port, question);
  if (judged === undefined) return undefined;
  const kind = judged.graphql ? "GraphQL" : judged.mcp ? "MCP" : "JSON-RPC";
  const tooLarge = `${kind} request body exceeds the ${judged.cap} byte inspection limit`;
  const body = await request.readBody(judged.cap, tooLarge);
  if (isRefusal(body)) return body;
  const refused = unsupportedEncoding(head, kind) ?? unjudgedSocket(head, kind);
  if (judged.graphql) {
    question.graphql = refused !== undefined
      ? { operations: [], error: refused }
      : classifyGraphqlRequest({
        method: head.method,
        query: question.query,
        body,
        contentType: values(head.headers, "content-type").join(","),
      });
  }
  if (judged.mcp) question.mcp = classifyMcp(head, body, refused, "mcp");
  if (judged.jsonRpc) question.jsonRpc = classifyMcp(head, body, refused, "json-rpc");
  return body;
}

/**
 * The HTTP/1.1 forward path's inspection: {@linkcode classifyGraphqlBody} over the client's
 * byte stream, with a refusal answered on it.
 *
 * @returns The body read, undefined when none was read, or false once an error was answered
 *   (the connection must close).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { inspectGraphql } from "./graphql_body.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   gql:
 *     endpoints:
 *       - { host: a.test, port: 80, path: /graphql, protocol: graphql,
 *           rules: [{ allow: { operation_type: query, fields: [viewer] } }] }
 * `;
 * await using pair = await clientPair(policy);
 * // Over the endpoint's inspection cap (64 KiB by default): refused before a byte is read.
 * await pair.send(
 *   "POST http://a.test/graphql HTTP/1.1\r\nHost: a.test\r\nContent-Length: 100000\r\n\r\n",
 * );
 * const head = (await readRequest(pair.client, true))!;
 * const question = { method: "POST", path: "/graphql" };
 * const target = { host: "a.test", port: 80 };
 * assert.equal(await inspectGraphql(pair.client, target, head, question), false);
 * assert.match(await pair.received(), /^HTTP\/1.1 413 /);
 * ```
 */
export async function inspectGraphql(
  client: ClientConnection,
  target: { host: string; port: number },
  head: RequestHead,
  question: L7Question,
): Promise<Uint8Array | undefined | false> {
  const readBody = http1BodyReader(client, head);
  const body = await classifyGraphqlBody(client, target, { head, question, readBody });
  if (!isRefusal(body)) return body;
  await sendError(client.stream, body.status, body.code, body.detail);
  return false;
}

/**
 * The body of an HTTP/1.1 request as its framing says (Content-Length or chunked), read from
 * the client's byte stream (after a `100 Continue` when the client waits for one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { http1BodyReader } from "./graphql_body.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("POST http://a.test/ HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhi!!!");
 * const head = (await readRequest(pair.client, true))!;
 * const body = await http1BodyReader(pair.client, head)(65_536, "Too large");
 * assert.deepEqual(body, new TextEncoder().encode("hi!!!"));
 * ```
 */
export function http1BodyReader(client: ClientConnection, head: RequestHead): BodyReader {
  return async (cap, tooLarge) => {
    const { framing } = head;
    if (framing.kind !== "length" && framing.kind !== "chunked") return undefined;
    if (framing.kind === "length" && framing.length > cap) {
      return refusal(413, "payload_too_large", tooLarge);
    }
    const lease = client.body;
    try {
      // The whole length is reserved before the client is asked for it (100 Continue).
      if (framing.kind === "length" && !lease.tryGrow(framing.length)) {
        await lease.grow(framing.length);
      }
      if (head.expectContinue) await client.stream.write(CONTINUE);
      if (framing.kind === "chunked") return await readChunkedBody(client.stream, cap, { lease });
      const body = new Uint8Array(framing.length);
      let at = 0;
      await client.stream.readExactly(framing.length, (piece) => {
        body.set(piece, at);
        at += piece.byteLength;
      });
      return body;
    } catch (error) {
      if (error instanceof BodyBudgetSpentError) {
        return refusal(503, TOO_MANY_BODIES, error.message);
      }
      if (error instanceof BodyTooLargeError) return refusal(413, "payload_too_large", tooLarge);
      if (error instanceof ReadTimeoutError) {
        return refusal(408, "request_timeout", BODY_TIMEOUT_DETAIL);
      }
      return refusal(400, "bad_request", "Invalid GraphQL or JSON-RPC request body");
    }
  };
}

function classifyMcp(
  head: RequestHead,
  body: Uint8Array | undefined,
  refused: string | undefined,
  mode: JsonRpcMode,
): McpRequestInfo {
  if (refused !== undefined) {
    return { calls: [], batch: false, receiveStream: false, hasResponse: false, error: refused };
  }
  const accept = values(head.headers, "accept").join(",");
  return classifyMcpRequest({ method: head.method, accept, body }, mode);
}

/** OpenShell refuses bodies it cannot read as sent: compressed or multipart ones. */
function unsupportedEncoding(head: RequestHead, kind: string): GraphqlRequestInfo["error"] {
  const encoding = values(head.headers, "content-encoding").join(",").trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity") {
    return `${kind} request content-encoding "${encoding.slice(0, 40)}" is not supported`;
  }
  const type = values(head.headers, "content-type").join(",").trim().toLowerCase();
  if (type.startsWith("multipart/")) return `${kind} multipart requests are not supported`;
  return undefined;
}

/**
 * A WebSocket's messages would pass unread after the 101 (only its handshake is decided), so a
 * handshake where a body is judged is refused: graphql-ws opens one with a query's GET, and an
 * MCP receive stream's GET may upgrade too; either then carried any mutation or call.
 */
function unjudgedSocket(head: RequestHead, kind: string): string | undefined {
  if (!isWebSocketUpgrade(head)) return undefined;
  return `${kind} over a WebSocket is not supported: its messages would not be judged`;
}
