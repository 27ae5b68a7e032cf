/**
 * Bodies on methods that define none (RFC 9110 §9.3), judged once the policy allowed the
 * request (a denied one gets its structured 403 whatever it carries, and its connection
 * closes). An origin that ignores such a body would read it as the next request on the
 * connection: a request the policy never saw.
 *
 * GET, HEAD, OPTIONS, TRACE and CONNECT with a body are refused. DELETE may carry one (GitHub's
 * delete-a-file API, kubectl's DeleteOptions, Elasticsearch's scroll clear send JSON), unless
 * its first line reads as a request line ({@linkcode bodyLineVerdict}); the exchange that
 * carries it then sends `Connection: close` upstream and never pools the connection, so an
 * origin that misreads the framing never answers a later request with the body's answer.
 *
 * @module
 */

import type { RequestHead } from "../../wire/mod.ts";

/** The most body bytes read to find its first line. */
export const BODY_LINE_LIMIT = 8 * 1024;

// Methods whose body is never forwarded: no client sends one, and an origin may ignore it.
const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"]);

/**
 * Why a request may not carry the body it announces, or undefined when it may (a DELETE may,
 * see {@linkcode closesAfterBody}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "../../wire/mod.ts";
 * import { bodyNotAllowed } from "./body_not_allowed.ts";
 * const text = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n";
 * const parsed = parseRequestHead(new TextEncoder().encode(text));
 * assert.ok(parsed.ok);
 * assert.equal(bodyNotAllowed(parsed.head), "A GET request must not carry a body");
 * ```
 */
export function bodyNotAllowed(head: Pick<RequestHead, "method" | "framing">): string | undefined {
  // Content-Length: 0 parses to "none": an explicit empty body is no body.
  if (head.framing.kind === "none") return undefined;
  const method = head.method.toUpperCase();
  return BODYLESS_METHODS.has(method) ? `A ${method} request must not carry a body` : undefined;
}

/**
 * Whether the request's body must have its first line judged and its upstream connection
 * closed after the exchange: a DELETE that announces a body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closesAfterBody } from "./body_not_allowed.ts";
 * assert.equal(closesAfterBody({ method: "delete", framing: { kind: "chunked" } }), true);
 * assert.equal(closesAfterBody({ method: "DELETE", framing: { kind: "none" } }), false);
 * ```
 */
export function closesAfterBody(head: Pick<RequestHead, "method" | "framing">): boolean {
  return head.framing.kind !== "none" && head.method.toUpperCase() === "DELETE";
}

/** The one-line refusal of a body whose first line reads as a request line. */
export function requestLineDetail(method: string): string {
  return `A ${method.toUpperCase()} request body must not start with an HTTP request line: ` +
    "send the body as JSON or a form";
}

/**
 * What the first line of a body reads as: `"request"` (a request line, or what an HTTP/0.9
 * or lenient parser takes for one), `"data"`, or undefined when more bytes are needed.
 *
 * The line is the bytes up to the first LF after the leading CR, LF, space, tab, VT and FF an
 * origin's parser may skip (Python's `http.server` splits on any white space), within
 * {@linkcode BODY_LINE_LIMIT} bytes of the body's start. It is a request line when it starts
 * with a token and white space followed by `/`, `*` or `http` (any case), or has white space
 * and `HTTP/` after that, or when the limit cut it (its end unseen); a body that is only
 * white space up to the limit counts as one too.
 *
 * @param bytes The body's first bytes (at least its first line, or all of it, or the limit).
 * @param whole True when `bytes` is all of the body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyLineVerdict } from "./body_not_allowed.ts";
 * const text = (s: string) => new TextEncoder().encode(s);
 * assert.equal(bodyLineVerdict(text("\r\nget /admin HTTP/1.1\r\n"), true), "request");
 * assert.equal(bodyLineVerdict(text('{"message":"m","sha":"s"}'), true), "data");
 * assert.equal(bodyLineVerdict(text("GE"), false), undefined); // its line is not over yet
 * ```
 */
export function bodyLineVerdict(bytes: Uint8Array, whole: boolean): "request" | "data" | undefined {
  const window = bytes.subarray(0, BODY_LINE_LIMIT);
  const full = whole || window.byteLength === BODY_LINE_LIMIT;
  let start = 0;
  while (start < window.byteLength && isSkipped(window[start]!)) start++;
  const ended = whole && bytes.byteLength <= BODY_LINE_LIMIT; // the window holds all of it
  if (start === window.byteLength) return !full ? undefined : ended ? "data" : "request";
  const lf = window.indexOf(10, start);
  if (lf === -1 && !full) return undefined;
  const line = window.subarray(start, lf === -1 ? window.byteLength : lf);
  const cut = lf === -1 && !ended;
  return readsAsRequestLine(line, cut) ? "request" : "data";
}

/** `line` (no LF) as a lenient parser would read it: `token WS target …`. */
function readsAsRequestLine(line: Uint8Array, cut: boolean): boolean {
  let at = 0;
  while (at < line.byteLength && isTokenByte(line[at]!)) at++;
  if (at === 0 || at === line.byteLength || !isSpace(line[at]!)) return false;
  while (at < line.byteLength && isSpace(line[at]!)) at++;
  // A request line whose end lies past the limit is judged by its start alone.
  if (cut) return true;
  const rest = new TextDecoder("latin1").decode(line.subarray(at));
  return /^(?:[/*]|http)/i.test(rest) || /[ \t\v\f\r]HTTP\//i.test(rest);
}

/** CR, LF, SP, HTAB, VT, FF: what parsers skip before a request line. */
function isSkipped(byte: number): boolean {
  return byte === 10 || isSpace(byte);
}

/** White space between the parts of a request line, leniently (CR: a parser that splits on it). */
function isSpace(byte: number): boolean {
  return byte === 32 || byte === 9 || byte === 11 || byte === 12 || byte === 13;
}

/** RFC 9110 tchar. */
function isTokenByte(byte: number): boolean {
  if (byte >= 0x30 && byte <= 0x39) return true; // DIGIT
  if ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a) return true; // ALPHA
  return "!#$%&'*+-.^_`|~".includes(String.fromCharCode(byte));
}
