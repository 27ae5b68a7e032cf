/**
 * The L7 question a request asks: method, canonical path, raw query and the methods named by
 * override headers or a `_method` query parameter, checked so that what the policy decides is what the origin will read.
 *
 * @module
 */

import { parseQuery, queryProblem } from "../../policy/mod.ts";
import type { L7Question } from "../connection/mod.ts";
import { METHOD_TOKEN, methodOverrides } from "../../wire/mod.ts";
import { isMethodKey } from "../../body_scan/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";

/**
 * Fields the proxy reads a body by (its form `_method`, its query-judged fields, a GraphQL
 * document) and forwards. A field the `Connection` field names is hop-by-hop and dropped on the
 * way (RFC 9110 §7.6.1), so the origin would read a body the proxy judged as bytes as a form:
 * Rack reads a POST without `Content-Type` as one.
 */
const BODY_READING_FIELDS = new Set(["content-type", "content-encoding"]);

/**
 * Build the L7 question for a request, or say why it must be refused (400).
 *
 * @param path The canonical path (see `canonicalizePath()`).
 * @param query The raw query without `?`, when there is one.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "../../wire/mod.ts";
 * import { requestQuestion } from "./request_question.ts";
 * const text = "POST /x HTTP/1.1\r\nHost: a\r\nX-HTTP-Method-Override: DELETE\r\n\r\n";
 * const parsed = parseRequestHead(new TextEncoder().encode(text));
 * assert.ok(parsed.ok);
 * assert.deepEqual(requestQuestion(parsed.head, "/x", "a=1"), {
 *   method: "POST",
 *   path: "/x",
 *   query: "a=1",
 *   methodOverrides: ["DELETE"],
 * });
 * assert.equal(requestQuestion(parsed.head, "/x", "a=%2"), "Invalid request query: query contains an invalid percent-escape");
 * ```
 */
export function requestQuestion(
  head: RequestHead,
  path: string,
  query: string | undefined,
): L7Question | string {
  const dropped = [...head.connectionTokens].find((name) => BODY_READING_FIELDS.has(name));
  if (dropped !== undefined) {
    return `The Connection field names ${dropped}, which tells how the body is read: ` +
      "send it end to end";
  }
  // Refused, not matched as written: a query the policy cannot read is one it cannot judge.
  const problem = queryProblem(query);
  if (problem !== undefined) return `Invalid request query: ${problem}`;
  const overrides = methodOverrides(head.headers);
  if (typeof overrides === "string") return overrides;
  // Express's method-override and Laravel also take `?_method=DELETE` from the query, under any
  // name PHP reads as `_method` (`?.method=`, `?+_method=`, `?_method%00x=`), as a body's is.
  for (const [key, found] of parseQuery(query) ?? []) {
    if (!isMethodKey(key)) continue;
    for (const value of found) {
      if (!METHOD_TOKEN.test(value)) return "The _method query parameter must name one method";
      overrides.push(value);
    }
  }
  const question: L7Question = { method: head.method, path, query };
  if (overrides.length > 0) question.methodOverrides = overrides;
  return question;
}
