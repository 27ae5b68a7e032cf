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

const UNRESERVED = /[A-Za-z0-9\-._~]/;
// Raw characters allowed in a canonical path besides unreserved ones and `%`:
// RFC 3986 sub-delims, `:` and `@`. Other printable ASCII is percent-encoded.
const RAW_OK = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;
const HEX = /^[0-9A-Fa-f]{2}$/;

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

/** Normalise the escapes of one segment; returns the segment or a failure reason. */
function normaliseSegment(seg: string, allowEncodedSlash: boolean): { seg: string } | string {
  let out = "";
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch !== "%") {
      out += RAW_OK.test(ch) ? ch : "%" + ch.charCodeAt(0).toString(16).toUpperCase();
      continue;
    }
    const hex = seg.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return "path contains an invalid percent-escape";
    const code = parseInt(hex, 16);
    i += 2;
    if (code < 0x20 || code === 0x7f) return "path contains an encoded control byte";
    const decoded = String.fromCharCode(code);
    if ((code === 0x2f || code === 0x5c) && !allowEncodedSlash) {
      return "path contains an encoded slash or backslash";
    }
    out += code < 0x80 && UNRESERVED.test(decoded) ? decoded : "%" + hex.toUpperCase();
  }
  return { seg: out };
}

/**
 * Canonicalise a request path (the request target without `?query`).
 *
 * Rejects: empty or relative paths, asterisk-form, control bytes (raw or encoded), raw
 * non-ASCII, raw spaces, fragments, backslashes, invalid escapes, `..` above the root,
 * `%2F`/`%5C` unless `allowEncodedSlash`, and paths over 4 KiB. Normalises: strips `;params`
 * from each segment, decodes escapes of unreserved characters, upper-cases the others,
 * percent-encodes other raw characters outside RFC 3986's path set, resolves `.` and `..`
 * (also when encoded as `%2e`), collapses `//`. A trailing `/` is kept.
 *
 * @example
 * ```ts
 * import { canonicalizePath } from "./canonicalize_path.ts";
 * const r = canonicalizePath("/a/%2e%2E/b//c;x=1/%7euser");
 * console.assert(r.ok && r.path === "/b/c/~user");
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
  const parts = raw.split("/").slice(1);
  const out: string[] = [];
  let trailingSlash = false;
  for (const part of parts) {
    // Params go before decoding: an encoded `%3B` is data, a raw `;` starts parameters.
    const semi = part.indexOf(";");
    const normalised = normaliseSegment(
      semi === -1 ? part : part.slice(0, semi),
      options.allowEncodedSlash ?? defaults.allowEncodedSlash,
    );
    if (typeof normalised === "string") return fail(normalised);
    const seg = normalised.seg;
    trailingSlash = seg === "" || seg === "." || seg === "..";
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.pop() === undefined) return fail("path climbs above the root");
      continue;
    }
    out.push(seg);
  }
  const path = "/" + out.join("/") + (trailingSlash && out.length > 0 ? "/" : "");
  if (path.length > MAX_PATH_BYTES) return fail("path is longer than 4096 bytes");
  return { ok: true, path };
}
