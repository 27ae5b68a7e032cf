/**
 * Request-path canonicalisation: one canonical form used both for matching and on the wire,
 * so a path the policy did not see can never reach upstream.
 *
 * @module
 */

/** Options of `canonicalizePath()`. */
export interface CanonicalizeOptions {
  /** Keep `%2F` and `%5C` inside segments instead of rejecting the path. */
  allowEncodedSlash?: boolean;
}

const defaults = { allowEncodedSlash: false } satisfies Required<CanonicalizeOptions>;

/** The canonical path, or why the raw path was refused. */
export type CanonicalPathResult = { ok: true; path: string } | { ok: false; reason: string };

/** Longest raw or canonical path accepted, in bytes. */
export const MAX_PATH_BYTES = 4096;

// Bytes a canonical segment carries as themselves: RFC 3986 unreserved, sub-delims except `;`
// (which starts parameters, stripped), `:` and `@`. Every other byte is `%XX`, as OpenShell's
// `is_pchar_unreserved` decides, so `/users/%40alice` and `/users/@alice` are one path.
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@]*$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
// Stand-ins for a kept `%2F` / `%5C` inside a decoded segment: control bytes, which are
// refused wherever else they appear, so they cannot collide with data.
const SLASH_MARK = "\u0001";
const BACKSLASH_MARK = "\u0002";
// deno-lint-ignore no-control-regex -- the marks are control bytes on purpose (see above)
const MARKS = /[\u0001\u0002]/;

function fail(reason: string): CanonicalPathResult {
  return { ok: false, reason };
}

/** Check raw bytes: ASCII printable only, no fragment, no backslash, no query. */
function rawProblem(raw: string): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return "path contains a control byte";
    if (c > 0x7e) return "path contains a raw non-ASCII byte";
    if (c === 0x20) return "path contains a raw space";
  }
  if (raw.includes("#")) return "path contains a fragment";
  if (raw.includes("\\")) return "path contains a backslash";
  if (raw.includes("?")) return "path contains a query (strip it before canonicalising)";
  return undefined;
}

/** Decode every escape of one raw segment (one char per byte); a failure is a string. */
function decodeSegment(seg: string, allowEncodedSlash: boolean): { text: string } | string {
  if (!seg.includes("%")) return { text: seg };
  let text = "";
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch !== "%") {
      text += ch;
      continue;
    }
    const hex = seg.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return "path contains an invalid percent-escape";
    const code = parseInt(hex, 16);
    i += 2;
    if (code < 0x20 || code === 0x7f) return "path contains an encoded control byte";
    if (code === 0x2f || code === 0x5c) {
      if (!allowEncodedSlash) return "path contains an encoded slash or backslash";
      text += code === 0x2f ? SLASH_MARK : BACKSLASH_MARK;
    } else {
      text += String.fromCharCode(code);
    }
  }
  return { text };
}

/** Re-encode a decoded segment: pchar bytes as themselves, the rest as upper-case `%XX`. */
function encodeSegment(text: string): string {
  if (PCHAR.test(text)) return text;
  let out = "";
  for (const ch of text) {
    if (ch === SLASH_MARK) out += "%2F";
    else if (ch === BACKSLASH_MARK) out += "%5C";
    else if (PCHAR.test(ch)) out += ch;
    else out += "%" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** A `.` or `..` kept inside a segment by an encoded slash (`..%2Fsecret`). */
function hidesDotSegment(text: string): boolean {
  if (!MARKS.test(text)) return false;
  return text.split(MARKS).some((piece) => piece === "." || piece === "..");
}

/**
 * Canonicalise a request path (the request target without `?query`), as OpenShell's
 * `canonicalize_request_target` does.
 *
 * Rejects: empty or relative paths, asterisk-form, control bytes (raw or encoded), raw
 * non-ASCII, raw spaces, fragments, backslashes, invalid escapes, `..` above the root,
 * `%2F`/`%5C` unless `allowEncodedSlash`, a `.` or `..` hidden behind a kept `%2F`/`%5C`, and
 * paths over 4 KiB. Normalises each segment in this order: decode every escape; strip
 * `;params` (a raw `;` or a decoded `%3B`); resolve `.` and `..`; re-encode, keeping
 * unreserved characters, sub-delims, `:` and `@` as themselves and writing every other byte
 * as upper-case `%XX`. Collapses `//`; a trailing `/` is kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalizePath } from "./canonicalize_path.ts";
 * assert.deepEqual(canonicalizePath("/a/%2e%2E/b//c;x=1/%7euser/%40me"), {
 *   ok: true,
 *   path: "/b/c/~user/@me",
 * });
 * assert.deepEqual(canonicalizePath("/public/..%3B/secret"), { ok: true, path: "/secret" });
 * ```
 */
export function canonicalizePath(
  raw: string,
  options: CanonicalizeOptions = {},
): CanonicalPathResult {
  if (raw === "*") return fail("asterisk-form request target");
  if (raw.length === 0 || raw[0] !== "/") return fail('path must start with "/"');
  if (raw.length > MAX_PATH_BYTES) return fail("path is longer than 4096 bytes");
  const problem = rawProblem(raw);
  if (problem) return fail(problem);
  const allowEncodedSlash = options.allowEncodedSlash ?? defaults.allowEncodedSlash;
  const out: string[] = [];
  let trailingSlash = false;
  for (const part of raw.split("/").slice(1)) {
    const decoded = decodeSegment(part, allowEncodedSlash);
    if (typeof decoded === "string") return fail(decoded);
    // Params go after decoding and before dot-segments: `..;x` and `..%3B` are `..` to an
    // origin that strips them, so they must be resolved here, never passed on as data.
    const semi = decoded.text.indexOf(";");
    const seg = semi === -1 ? decoded.text : decoded.text.slice(0, semi);
    trailingSlash = seg === "" || seg === "." || seg === "..";
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.pop() === undefined) return fail("path climbs above the root");
      continue;
    }
    // An origin that decodes `%2F` before resolving would climb here: refuse (OpenShell #2699).
    if (hidesDotSegment(seg)) return fail("path hides a dot-segment behind an encoded slash");
    out.push(encodeSegment(seg));
  }
  const path = "/" + out.join("/") + (trailingSlash && out.length > 0 ? "/" : "");
  if (path.length > MAX_PATH_BYTES) return fail("path is longer than 4096 bytes");
  return { ok: true, path };
}

/**
 * Bring the escapes of a rule's path glob to canonical form, so that a rule written
 * `/users/%40alice` matches the canonical `/users/@alice` (and a deny rule written with an
 * escape keeps firing). `%2A` stays escaped: decoded, it would become a wildcard.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalizePattern } from "./canonicalize_path.ts";
 * assert.equal(canonicalizePattern("/users/%40*\/x%2fy%2a"), "/users/@*\/x%2Fy%2A");
 * ```
 */
export function canonicalizePattern(pattern: string): string {
  return pattern.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return ch !== "*" && PCHAR.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}
