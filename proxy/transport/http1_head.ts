/**
 * Strict HTTP/1.x message-head parsing: one request or response head in, a typed head or a
 * refusal out. Everything a smuggling attack needs (bare LF, obs-fold, CL+TE, duplicate
 * Content-Length, odd transfer codings) is refused here, before any byte moves on.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { connectionTokens, type HeaderField, values } from "./header_fields.ts";

export type { HeaderField } from "./header_fields.ts";

/** How the body of a message is delimited. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

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

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: HTAB, SP, visible ASCII and obs-text; never CR, LF, NUL or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TARGET = /^[\x21-\x7e]+$/;
const DIGITS = /^[0-9]{1,15}$/;

/**
 * Parse a request head (request line, header fields and the final empty line).
 *
 * @param bytes The head, ending with CRLF CRLF.
 * @returns The head, or a 400/501/505 refusal.
 * @example
 * ```ts
 * import { parseRequestHead } from "./http1_head.ts";
 * const r = parseRequestHead(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * console.assert(r.ok && r.head.method === "GET");
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
  const headers = parseFields(lines.slice(1));
  if (typeof headers === "string") return fail(400, "bad_request", headers);
  const hosts = values(headers, "host");
  if (hosts.length > 1) return fail(400, "bad_request", "More than one Host header");
  if (version === "HTTP/1.1" && hosts.length === 0) {
    return fail(400, "bad_request", "HTTP/1.1 request without a Host header");
  }
  const framing = requestFraming(headers, version);
  if (typeof framing === "string") return fail(400, "bad_request", framing);
  const expect = values(headers, "expect").join(",").toLowerCase();
  return {
    ok: true,
    head: {
      method,
      target,
      version,
      headers,
      framing,
      keepAlive: keepAlive(headers, version),
      expectContinue: expect.includes("100-continue"),
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
 * import { parseResponseHead } from "./http1_head.ts";
 * const text = "HTTP/1.1 204 No Content\r\n\r\n";
 * const r = parseResponseHead(new TextEncoder().encode(text), "GET");
 * console.assert(r.ok && r.head.framing.kind === "none");
 * ```
 */
export function parseResponseHead(
  bytes: Uint8Array,
  requestMethod: string,
): HeadResult<ResponseHead> {
  const lines = splitLines(bytes);
  if (typeof lines === "string") return fail(502, "upstream_protocol_error", lines);
  const match = /^(HTTP\/1\.[01]) ([1-9][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(
    lines[0] ?? "",
  );
  if (match === null) return fail(502, "upstream_protocol_error", "Malformed status line");
  const version = match[1] as "HTTP/1.0" | "HTTP/1.1";
  const status = Number(match[2]);
  const headers = parseFields(lines.slice(1));
  if (typeof headers === "string") return fail(502, "upstream_protocol_error", headers);
  const framing = responseFraming(headers, status, requestMethod);
  if (typeof framing === "string") return fail(502, "upstream_protocol_error", framing);
  const reusable = keepAlive(headers, version) && framing.kind !== "close";
  return {
    ok: true,
    head: { status, reason: match[3] ?? "", version, headers, framing, keepAlive: reusable },
  };
}

function splitLines(bytes: Uint8Array): string[] | string {
  // latin1 keeps one character per byte, so the checks below see every raw byte.
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  if (!text.endsWith("\r\n\r\n")) return "Incomplete message head";
  // RFC 9112 §2.2: a server should ignore at least one empty line before the request line.
  while (text.startsWith("\r\n")) text = text.slice(2);
  const lines = text.slice(0, -4).split("\r\n");
  for (const line of lines) {
    if (line.includes("\n")) return "Bare LF in message head";
    if (line.includes("\r")) return "Bare CR in message head";
  }
  return lines;
}

function parseFields(lines: string[]): HeaderField[] | string {
  const fields: HeaderField[] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      return "Obsolete line folding in header field";
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return "Malformed header field";
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return "Malformed header field name";
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) return "Control character in header field value";
    fields.push([name, value]);
  }
  return fields;
}

function requestFraming(headers: HeaderField[], version: string): BodyFraming | string {
  const lengths = values(headers, "content-length");
  const codings = values(headers, "transfer-encoding");
  if (lengths.length > 0 && codings.length > 0) {
    return "Both Content-Length and Transfer-Encoding present";
  }
  if (codings.length > 0) {
    if (version === "HTTP/1.0") return "Transfer-Encoding in an HTTP/1.0 request";
    if (codings.length > 1 || codings[0]!.toLowerCase() !== "chunked") {
      return "Unsupported Transfer-Encoding (only a single chunked coding is accepted)";
    }
    return { kind: "chunked" };
  }
  if (lengths.length > 1) return "Duplicate Content-Length header";
  if (lengths.length === 1) {
    if (!DIGITS.test(lengths[0]!)) return "Malformed Content-Length";
    const length = Number(lengths[0]);
    return length === 0 ? { kind: "none" } : { kind: "length", length };
  }
  return { kind: "none" };
}

function responseFraming(
  headers: HeaderField[],
  status: number,
  requestMethod: string,
): BodyFraming | string {
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) {
    return { kind: "none" };
  }
  const codings = values(headers, "transfer-encoding");
  if (codings.length > 0) {
    const last = codings.join(",").split(",").at(-1)!.trim().toLowerCase();
    // RFC 9112 §6.3: chunked last means chunked framing; anything else is read until close.
    return last === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  const lengths = new Set(
    values(headers, "content-length").flatMap((v) => v.split(",")).map((v) => v.trim()),
  );
  if (lengths.size > 1) return "Conflicting Content-Length values";
  if (lengths.size === 1) {
    const [only] = lengths;
    if (!DIGITS.test(only!)) return "Malformed Content-Length";
    const length = Number(only);
    return length === 0 ? { kind: "none" } : { kind: "length", length };
  }
  return { kind: "close" };
}

function keepAlive(headers: HeaderField[], version: string): boolean {
  const tokens = connectionTokens(headers);
  if (tokens.has("close")) return false;
  return version === "HTTP/1.1" || tokens.has("keep-alive");
}

function fail(status: number, code: string, detail: string): { ok: false; error: HeadError } {
  return { ok: false, error: { status, code, detail } };
}
