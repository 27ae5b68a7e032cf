/**
 * Strict HTTP/1.x message-head parsing: one request or response head in, a typed head or a
 * refusal out. Everything a smuggling attack needs (bare LF, obs-fold, CL+TE, duplicate
 * Content-Length, odd transfer codings) is refused here, before any byte moves on.
 *
 * @module
 */

import { isUtf8 } from "node:buffer";
import { connectionProblem, parseFields, splitLines, TOKEN, tokensOf } from "./_head_fields.ts";
import { type BodyFraming, requestFraming, responseFraming } from "./body_framing.ts";
import type { HeaderField } from "./header_fields.ts";

export type { HeaderField } from "./header_fields.ts";
export type { BodyFraming } from "./body_framing.ts";

/** A parsed request head. */
export interface RequestHead {
  /** Method token as sent (case-sensitive). */
  method: string;
  /** The request-target exactly as sent (origin-form, absolute-form or authority-form). */
  target: string;
  /** Protocol version of the request line. */
  version: "HTTP/1.0" | "HTTP/1.1";
  /** Header fields in order. */
  headers: HeaderField[];
  /** How the body is delimited. */
  framing: BodyFraming;
  /** The client allows the connection to stay open after this exchange. */
  keepAlive: boolean;
  /** The client sent `Expect: 100-continue`. */
  expectContinue: boolean;
  /** Lower-case tokens of its Connection fields: those fields are hop-by-hop. */
  connectionTokens: ReadonlySet<string>;
}

/** A parsed response head. */
export interface ResponseHead {
  /** Status code (100-999). */
  status: number;
  /** Reason phrase (may be empty). */
  reason: string;
  /** Protocol version of the status line. */
  version: "HTTP/1.0" | "HTTP/1.1";
  /** Header fields in order. */
  headers: HeaderField[];
  /** How the body is delimited (derived from the request method too). */
  framing: BodyFraming;
  /** The upstream connection may carry another request after this response. */
  keepAlive: boolean;
  /** Lower-case tokens of its Connection fields: those fields are hop-by-hop. */
  connectionTokens: ReadonlySet<string>;
}

/** Why a head was refused: an HTTP status, a stable code and a detail safe to show. */
export interface HeadError {
  /** HTTP status to answer with. */
  status: number;
  /** Stable snake_case code (`bad_request`, …). */
  code: string;
  /** One sentence; never echoes header values. */
  detail: string;
}

/** Result of parsing a head. */
export type HeadResult<T> = { ok: true; head: T } | { ok: false; error: HeadError };

const TARGET = /^[\x21-\x7e]+$/;

/**
 * Parse a request head (request line, header fields and the final empty line).
 *
 * @param bytes The head, ending with CRLF CRLF.
 * @returns The head, or a 400/501/505 refusal.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "./http1_head.ts";
 * const r = parseRequestHead(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * assert(r.ok && r.head.method === "GET");
 * ```
 */
export function parseRequestHead(bytes: Uint8Array): HeadResult<RequestHead> {
  const lines = splitLines(bytes);
  if (typeof lines === "string") return fail(400, "bad_request", lines);
  const parts = (lines[0] ?? "").split(" ");
  if (parts.length !== 3) return fail(400, "bad_request", "Malformed request line");
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return fail(400, "bad_request", "Malformed request method");
  if (!TARGET.test(target)) return fail(400, "bad_request", "Malformed request target");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return fail(505, "http_version_not_supported", "Only HTTP/1.0 and HTTP/1.1 are supported");
  }
  const fields = parseFields(lines);
  if (typeof fields === "string") return fail(400, "bad_request", fields);
  // Field values beyond ASCII must be UTF-8: an origin reading other bytes as some legacy
  // charset would see a different value than the one the proxy checked (OpenShell refuses too).
  if (!isUtf8(bytes)) return fail(400, "bad_request", "Header field value is not UTF-8");
  const { special } = fields;
  const connectionError = connectionProblem(special.connection);
  if (connectionError) return fail(400, "bad_request", connectionError);
  if (special.host.length > 1) return fail(400, "bad_request", "More than one Host header");
  if (version === "HTTP/1.1" && special.host.length === 0) {
    return fail(400, "bad_request", "HTTP/1.1 request without a Host header");
  }
  const framing = requestFraming(special, version);
  if (typeof framing === "string") return fail(400, "bad_request", framing);
  const connection = tokensOf(special.connection);
  return {
    ok: true,
    head: {
      method,
      target,
      version,
      headers: fields.headers,
      framing,
      keepAlive: keepAlive(connection, version),
      expectContinue: special.expect.join(",").toLowerCase().includes("100-continue"),
      connectionTokens: connection,
    },
  };
}

/**
 * Parse a response head; `requestMethod` decides whether a body can follow (HEAD never).
 *
 * @param bytes The head, ending with CRLF CRLF.
 * @param requestMethod Method of the request this answers.
 * @returns The head, or a 502 refusal (the upstream broke the protocol).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResponseHead } from "./http1_head.ts";
 * const text = "HTTP/1.1 204 No Content\r\n\r\n";
 * const r = parseResponseHead(new TextEncoder().encode(text), "GET");
 * assert(r.ok && r.head.framing.kind === "none");
 * ```
 */
export function parseResponseHead(
  bytes: Uint8Array,
  requestMethod: string,
): HeadResult<ResponseHead> {
  const lines = splitLines(bytes);
  if (typeof lines === "string") return fail(502, "upstream_protocol_error", lines);
  const match = STATUS_LINE.exec(lines[0] ?? "");
  if (match === null) return fail(502, "upstream_protocol_error", "Malformed status line");
  const version = match[1] as "HTTP/1.0" | "HTTP/1.1";
  const status = Number(match[2]);
  const fields = parseFields(lines);
  if (typeof fields === "string") return fail(502, "upstream_protocol_error", fields);
  const framing = responseFraming(fields.special, status, requestMethod);
  if (typeof framing === "string") return fail(502, "upstream_protocol_error", framing);
  const connection = tokensOf(fields.special.connection);
  // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing, so the
  // connection closes after it, whatever its Connection field says.
  const faulty = version === "HTTP/1.0" && fields.special["transfer-encoding"].length > 0;
  const reusable = keepAlive(connection, version) && framing.kind !== "close" && !faulty;
  return {
    ok: true,
    head: {
      status,
      reason: match[3] ?? "",
      version,
      headers: fields.headers,
      framing,
      keepAlive: reusable,
      connectionTokens: connection,
    },
  };
}

const STATUS_LINE = /^(HTTP\/1\.[01]) ([1-9][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

function keepAlive(tokens: ReadonlySet<string>, version: string): boolean {
  if (tokens.has("close")) return false;
  return version === "HTTP/1.1" || tokens.has("keep-alive");
}

function fail(status: number, code: string, detail: string): { ok: false; error: HeadError } {
  return { ok: false, error: { status, code, detail } };
}
