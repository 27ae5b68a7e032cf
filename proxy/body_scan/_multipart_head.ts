/**
 * The names a multipart part header line gives its part, read as loosely as any parser does:
 * Rack takes `name=` after any `;` of the head (and `Content-ID` when there is no name), PHP a
 * `name` pair of `Content-Disposition` (quoted with `"` or `'`), others RFC 2231's `name*=`.
 *
 * @module
 */

// `name` or `name*` after the start, a `;`, a `:` or a space; its value quoted or bare.
const NAME_PARAM = /(?:^|[;:\s])name(\*?)\s*=\s*("(?:\\.|[^"\\])*"?|'[^']*'?|[^;\s]*)/gi;
// Where Rack's bare token ends.
const RACK_TOKEN_END = /[()<>,;:\\"/[\]?=]/;

/**
 * Whether one header line (CRLF removed) names its part so that `isKey` holds for a reading.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namesMethod } from "./_multipart_head.ts";
 * const isKey = (name: string) => name === "_method";
 * assert.ok(namesMethod('Content-Disposition: form-data; NAME="_method"', isKey));
 * assert.ok(namesMethod("content-disposition: form-data; name=_method", isKey));
 * assert.ok(namesMethod("Content-Disposition: form-data; name*=utf-8''%5Fmethod", isKey));
 * assert.ok(namesMethod("Content-ID: _method", isKey));
 * assert.ok(!namesMethod('Content-Disposition: form-data; filename="_method"', isKey));
 * ```
 */
export function namesMethod(line: string, isKey: (name: string) => boolean): boolean {
  const colon = line.indexOf(":");
  if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "content-id") {
    const id = line.slice(colon + 1).trim();
    if (readings(id).some(isKey)) return true;
  }
  for (const match of line.matchAll(NAME_PARAM)) {
    const extended = match[1] === "*";
    for (const reading of readings(match[2]!)) {
      if (isKey(extended ? rfc2231(reading) : reading)) return true;
    }
  }
  return false;
}

/** A parameter value as each parser reads it: quotes and escapes removed, or a bare token. */
function readings(raw: string): string[] {
  if (raw.startsWith('"')) {
    const inner = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined);
    // Rack drops every backslash before a character; PHP only before `\` and `"`.
    return [inner, inner.replace(/\\(.)/g, "$1"), inner.replace(/\\([\\"])/g, "$1")];
  }
  if (raw.startsWith("'")) {
    return [raw.slice(1, raw.endsWith("'") && raw.length > 1 ? -1 : undefined)];
  }
  return [raw, raw.split(RACK_TOKEN_END, 1)[0]!];
}

/** RFC 2231's `charset'language'%XX` value, decoded (latin1 for any byte). */
function rfc2231(value: string): string {
  const parts = value.split("'");
  const encoded = parts.length >= 3 ? parts.slice(2).join("'") : value;
  return encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}
