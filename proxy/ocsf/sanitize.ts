/**
 * Make untrusted text safe for a one-line log or a person's terminal.
 *
 * @module
 */

// C0 and C1 controls, DEL, line/paragraph separators and bidi overrides (Trojan Source).
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Escape control characters, line separators and bidi overrides so that the text stays on
 * one line and cannot drive a terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeControlChars } from "./sanitize.ts";
 * assert.equal(escapeControlChars("a\nb\x1b[31m"), "a\\nb\\x1b[31m");
 * ```
 */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const named = NAMED[ch];
    if (named !== undefined) return named;
    const code = ch.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Replace every query string (`?` up to whitespace or `]`) with `?[redacted]`; idempotent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactQueryStrings } from "./sanitize.ts";
 * assert(redactQueryStrings("GET http://h/p?token=x [policy:a]") ===
 *   "GET http://h/p?[redacted] [policy:a]");
 * ```
 */
export function redactQueryStrings(text: string): string {
  return text.replace(/\?(?!\[redacted\])[^\s\]]*/g, "?[redacted]");
}

/**
 * Cut text to at most `maxBytes` UTF-8 bytes (suffix included) on a character boundary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { truncateUtf8 } from "./sanitize.ts";
 * assert.equal(truncateUtf8("abcdef", 5, ".."), "abc..");
 * ```
 */
export function truncateUtf8(text: string, maxBytes: number, suffix = ""): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  const budget = Math.max(0, maxBytes - encoder.encode(suffix).length);
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > budget) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end) + suffix;
}

/**
 * Cut text to `maxChars` characters, appending `...` when it was longer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { truncateChars } from "./sanitize.ts";
 * assert.equal(truncateChars("abcdef", 3), "abc...");
 * ```
 */
export function truncateChars(text: string, maxChars: number): string {
  // UTF-16 length bounds the code point count: most texts need no walk at all.
  if (text.length <= maxChars) return text;
  let end = 0;
  let count = 0;
  for (const ch of text) {
    if (count === maxChars) return `${text.slice(0, end)}...`;
    end += ch.length;
    count++;
  }
  return text;
}
