/**
 * GraphQL inspection for the transport: when a GraphQL endpoint will judge a request, read its
 * body first (up to the endpoint's cap; 413 beyond) and classify it, so the decision sees the
 * operations and exactly the bytes it judged go upstream. The body is read through a
 * {@linkcode BodyReader}, so HTTP/1.1 and HTTP/2 requests are classified by the same code.
 *
 * @module
 */

import { classifyGraphqlRequest, type GraphqlRequestInfo } from "../policy/mod.ts";
import { ReadTimeoutError } from "./protocol_error.ts";
import type { ClientConnection, L7Question } from "./client_connection.ts";
import { values } from "./header_fields.ts";
import { BodyTooLargeError, readChunkedBody } from "./http1_body.ts";
import type { RequestHead } from "./http1_head.ts";
import { isRefusal, type Refusal, refusal } from "./refusal.ts";
import { BODY_TIMEOUT_DETAIL, sendError } from "./responses.ts";

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
 * Classify the request into `question.graphql` when a GraphQL endpoint will judge it.
 *
 * @returns The body read (to forward instead of the client's stream), undefined when none
 *   was read, or the refusal to answer instead of deciding.
 * @example
 * ```ts ignore network
 * const body = await classifyGraphqlBody(client, { host, port }, { head, question, readBody });
 * if (isRefusal(body)) return body;
 * ```
 */
export async function classifyGraphqlBody(
  client: ClientConnection,
  target: { host: string; port: number },
  request: { head: RequestHead; question: L7Question; readBody: BodyReader },
): Promise<Uint8Array | undefined | Refusal> {
  const { head, question } = request;
  const cap = await client.graphqlBodyLimit(target.host, target.port, question);
  if (cap === undefined) return undefined;
  const tooLarge = `GraphQL request body exceeds the ${cap} byte inspection limit`;
  const body = await request.readBody(cap, tooLarge);
  if (isRefusal(body)) return body;
  const refused = unsupportedEncoding(head);
  question.graphql = refused !== undefined
    ? { operations: [], error: refused }
    : classifyGraphqlRequest({ method: head.method, query: question.query, body });
  return body;
}

/**
 * The HTTP/1.1 forward path's inspection: {@linkcode classifyGraphqlBody} over the client's
 * byte stream, with a refusal answered on it.
 *
 * @returns The body read, undefined when none was read, or false once an error was answered
 *   (the connection must close).
 * @example
 * ```ts ignore network
 * const body = await inspectGraphql(client, { host, port }, head, question);
 * if (body === false) return false;
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
 * ```ts ignore network
 * const body = await http1BodyReader(client, head)(65_536, "Too large");
 * ```
 */
export function http1BodyReader(client: ClientConnection, head: RequestHead): BodyReader {
  return async (cap, tooLarge) => {
    const { framing } = head;
    if (framing.kind !== "length" && framing.kind !== "chunked") return undefined;
    if (framing.kind === "length" && framing.length > cap) {
      return refusal(413, "payload_too_large", tooLarge);
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
      if (error instanceof BodyTooLargeError) return refusal(413, "payload_too_large", tooLarge);
      if (error instanceof ReadTimeoutError) {
        return refusal(408, "request_timeout", BODY_TIMEOUT_DETAIL);
      }
      return refusal(400, "bad_request", "Invalid GraphQL request body");
    }
  };
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
