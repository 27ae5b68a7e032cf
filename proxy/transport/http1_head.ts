/**
 * Strict HTTP/1.x message-head parsing: one request or response head in, a typed head or a
 * refusal out. Everything a smuggling attack needs (bare LF, obs-fold, CL+TE, duplicate
 * Content-Length, odd transfer codings) is refused here, before any byte moves on.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { HeaderField } from "./header_fields.ts";

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
  const { special } = fields;
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
  const reusable = keepAlive(connection, version) && framing.kind !== "close";
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

/** The values of the fields that decide framing and connection handling, in order. */
interface SpecialFields {
  host: string[];
  "content-length": string[];
  "transfer-encoding": string[];
  connection: string[];
  expect: string[];
}

/** Longest name in {@linkcode SpecialFields}: longer names need no lower-casing. */
const SPECIAL_MAX = "transfer-encoding".length;

/** The header fields after the start line, and the special ones gathered on the way. */
function parseFields(
  lines: string[],
): { headers: HeaderField[]; special: SpecialFields } | string {
  const headers: HeaderField[] = [];
  const special: SpecialFields = {
    host: [],
    "content-length": [],
    "transfer-encoding": [],
    connection: [],
    expect: [],
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) return "Obsolete line folding in header field";
    const colon = line.indexOf(":");
    if (colon <= 0) return "Malformed header field";
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return "Malformed header field name";
    const value = trimOws(line, colon + 1);
    if (!FIELD_VALUE.test(value)) return "Control character in header field value";
    headers.push([name, value]);
    if (colon <= SPECIAL_MAX) {
      const lower = name.toLowerCase();
      if (Object.hasOwn(special, lower)) special[lower as keyof SpecialFields].push(value);
    }
  }
  return { headers, special };
}

/** `line` from `start`, without leading and trailing spaces and tabs (RFC 9110 OWS). */
function trimOws(line: string, start: number): string {
  let from = start;
  let to = line.length;
  while (from < to && isOws(line.charCodeAt(from))) from++;
  while (to > from && isOws(line.charCodeAt(to - 1))) to--;
  return line.slice(from, to);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function requestFraming(fields: SpecialFields, version: string): BodyFraming | string {
  const lengths = fields["content-length"];
  const codings = fields["transfer-encoding"];
  if (lengths.length > 0 && codings.length > 0) {
    return "Both Content-Length and Transfer-Encoding present";
  }
  if (codings.length > 0) {
    if (version === "HTTP/1.0") return "Transfer-Encoding in an HTTP/1.0 request";
    if (codings.length > 1 || codings[0]!.toLowerCase() !== "chunked") {
      return "Unsupported Transfer-Encoding (only a single chunked coding is accepted)";
    }
    return CHUNKED;
  }
  if (lengths.length > 1) return "Duplicate Content-Length header";
  if (lengths.length === 1) return lengthFraming(lengths[0]!);
  return NO_BODY;
}

function responseFraming(
  fields: SpecialFields,
  status: number,
  requestMethod: string,
): BodyFraming | string {
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) {
    return NO_BODY;
  }
  const codings = fields["transfer-encoding"];
  if (codings.length > 0) {
    const last = codings.join(",").split(",").at(-1)!.trim().toLowerCase();
    // RFC 9112 §6.3: chunked last means chunked framing; anything else is read until close.
    return last === "chunked" ? CHUNKED : UNTIL_CLOSE;
  }
  const lengths = fields["content-length"];
  if (lengths.length === 0) return UNTIL_CLOSE;
  // Repeated or comma-separated values are fine only when they all agree (RFC 9110 §8.6).
  const distinct = new Set(lengths.flatMap((v) => v.split(",")).map((v) => v.trim()));
  if (distinct.size > 1) return "Conflicting Content-Length values";
  return lengthFraming(distinct.values().next().value!);
}

function lengthFraming(text: string): BodyFraming | string {
  if (!DIGITS.test(text)) return "Malformed Content-Length";
  const length = Number(text);
  return length === 0 ? NO_BODY : { kind: "length", length };
}

// Shared by every head that has them: framing objects are never mutated.
const NO_BODY: BodyFraming = Object.freeze({ kind: "none" });
const CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const UNTIL_CLOSE: BodyFraming = Object.freeze({ kind: "close" });

/** The lower-case tokens of Connection field values. */
function tokensOf(values: string[]): ReadonlySet<string> {
  if (values.length === 0) return NO_TOKENS;
  const tokens = new Set<string>();
  for (const value of values) {
    for (const token of value.split(",")) {
      const trimmed = token.trim().toLowerCase();
      if (trimmed !== "") tokens.add(trimmed);
    }
  }
  return tokens;
}

const NO_TOKENS: ReadonlySet<string> = new Set();

function keepAlive(tokens: ReadonlySet<string>, version: string): boolean {
  if (tokens.has("close")) return false;
  return version === "HTTP/1.1" || tokens.has("keep-alive");
}

function fail(status: number, code: string, detail: string): { ok: false; error: HeadError } {
  return { ok: false, error: { status, code, detail } };
}
