/**
 * The lexical layer of an HTTP/1 head: lines, header fields and the few fields that decide
 * framing and connection handling. Every refusal is a one-line reason string.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { HeaderField } from "./header_fields.ts";

/** An RFC 9110 token (method, field name). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: HTAB, SP, visible ASCII and obs-text; never CR, LF, NUL or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The head's lines without the final CRLF CRLF, or why they are refused. */
export function splitLines(bytes: Uint8Array): string[] | string {
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
export interface SpecialFields {
  host: readonly string[];
  "content-length": readonly string[];
  "transfer-encoding": readonly string[];
  connection: readonly string[];
  expect: readonly string[];
}

// Shared by every head without such a field: most heads have one or two of the five, and five
// fresh arrays per head (two heads per forwarded request) were garbage at once.
const NONE: readonly string[] = Object.freeze([]);

/** Longest name in {@linkcode SpecialFields}: longer names need no lower-casing. */
const SPECIAL_MAX = "transfer-encoding".length;

/** The header fields after the start line, and the special ones gathered on the way. */
export function parseFields(
  lines: string[],
): { headers: HeaderField[]; special: SpecialFields } | string {
  const headers: HeaderField[] = [];
  const special: SpecialFields = {
    host: NONE,
    "content-length": NONE,
    "transfer-encoding": NONE,
    connection: NONE,
    expect: NONE,
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
      if (Object.hasOwn(special, lower)) addSpecial(special, lower as keyof SpecialFields, value);
    }
  }
  return { headers, special };
}

function addSpecial(special: SpecialFields, name: keyof SpecialFields, value: string): void {
  const values = special[name];
  if (values === NONE) special[name] = [value];
  else (values as string[]).push(value);
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

/** The lower-case tokens of Connection field values. */
export function tokensOf(values: readonly string[]): ReadonlySet<string> {
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

// A Connection field may not make these hop-by-hop: they frame and route the request.
const FRAMING = new Set(["host", "content-length", "transfer-encoding"]);

/**
 * Why a request's Connection fields are refused, or undefined: each option must be a token
 * (empty list elements are allowed, RFC 9110 §5.6.1), and none may name a field that frames or
 * routes the request. OpenShell refuses both (rest.rs), so the two never read one head apart.
 */
export function connectionProblem(values: readonly string[]): string | undefined {
  for (const value of values) {
    for (const element of value.split(",")) {
      const option = element.trim();
      if (option === "") continue;
      if (!TOKEN.test(option)) return "Malformed Connection header option";
      if (FRAMING.has(option.toLowerCase())) {
        return "Connection header names a framing or routing field";
      }
    }
  }
  return undefined;
}
