/**
 * GraphQL inspection for the transport: when a GraphQL endpoint will judge a request, read its
 * body first (up to the endpoint's cap; 413 beyond) and classify it, so the decision sees the
 * operations and exactly the bytes it judged go upstream.
 *
 * @module
 */

import { classifyGraphqlRequest, type GraphqlRequestInfo } from "../policy/mod.ts";
import { ReadTimeoutError } from "./byte_stream.ts";
import type { ClientConnection, L7Question } from "./client_connection.ts";
import { values } from "./header_fields.ts";
import { BodyTooLargeError, readChunkedBody } from "./http1_body.ts";
import type { RequestHead } from "./http1_head.ts";
import { BODY_TIMEOUT_DETAIL, sendError } from "./responses.ts";

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/**
 * Classify the request into `question.graphql` when a GraphQL endpoint will judge it.
 *
 * @returns The body read (to forward instead of the client's stream), undefined when none
 *   was read, or false once an error was answered (the connection must close).
 * @example
 * ```ts ignore
 * const body = await inspectGraphql(client, host, port, head, question);
 * if (body === false) return false;
 * ```
 */
export async function inspectGraphql(
  client: ClientConnection,
  target: { host: string; port: number },
  head: RequestHead,
  question: L7Question,
): Promise<Uint8Array | undefined | false> {
  const cap = await client.graphqlBodyLimit(target.host, target.port, question);
  if (cap === undefined) return undefined;
  const body = await readBody(client, head, cap);
  if (body === false) return false;
  const refused = unsupportedEncoding(head);
  question.graphql = refused !== undefined
    ? { operations: [], error: refused }
    : classifyGraphqlRequest({
      method: head.method,
      query: question.query,
      body,
    });
  return body;
}

async function readBody(
  client: ClientConnection,
  head: RequestHead,
  cap: number,
): Promise<Uint8Array | undefined | false> {
  const { framing } = head;
  if (framing.kind !== "length" && framing.kind !== "chunked") return undefined;
  const tooLarge = `GraphQL request body exceeds the ${cap} byte inspection limit`;
  if (framing.kind === "length" && framing.length > cap) {
    await sendError(client.stream, 413, "payload_too_large", tooLarge);
    return false;
  }
  if (head.expectContinue) await client.stream.write(CONTINUE);
  try {
    if (framing.kind === "chunked") return await readChunkedBody(client.stream, cap);
    const body = new Uint8Array(framing.length);
    let at = 0;
    await client.stream.readExactly(framing.length, (piece) => {
      body.set(piece, at);
      at += piece.byteLength;
    });
    return body;
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      await sendError(client.stream, 413, "payload_too_large", tooLarge);
    } else if (error instanceof ReadTimeoutError) {
      await sendError(client.stream, 408, "request_timeout", BODY_TIMEOUT_DETAIL);
    } else {
      await sendError(client.stream, 400, "bad_request", "Invalid GraphQL request body");
    }
    return false;
  }
}

/** OpenShell refuses bodies it cannot read as sent: compressed or multipart ones. */
function unsupportedEncoding(head: RequestHead): GraphqlRequestInfo["error"] {
  const encoding = values(head.headers, "content-encoding").join(",").trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity") {
    return `GraphQL request content-encoding "${encoding.slice(0, 40)}" is not supported`;
  }
  const type = values(head.headers, "content-type").join(",").trim().toLowerCase();
  if (type.startsWith("multipart/")) return "GraphQL multipart requests are not supported";
  return undefined;
}
