/**
 * A GraphQL POST body as a server that reads forms sees it. GraphQL Yoga and express-graphql
 * read a body typed `application/x-www-form-urlencoded` as a form, not as JSON, and a JSON text
 * can hold `&query=...` inside a string: `{"query":"{ viewer }","x":"&query=mutation {...}"}`
 * is a query to the proxy and a mutation to Yoga.
 *
 * @module
 */

import { keyReadings } from "../path/mod.ts";

// The one body type every GraphQL server reads as JSON: `application/json` or a `+json` type,
// with at most a charset; anything else may be read as a form by some server.
const JSON_TYPE =
  /^\s*application\/(?:[a-z0-9.-]+\+)?json\s*(?:;\s*charset\s*=\s*"?[a-z0-9_-]+"?\s*)?$/i;

/**
 * Whether a `Content-Type` value (fields joined with `,`) types a body as JSON alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonTyped } from "./_form_reading.ts";
 * assert.equal(jsonTyped("application/json; charset=utf-8"), true);
 * assert.equal(jsonTyped("application/x-www-form-urlencoded; x=application/json"), false);
 * assert.equal(jsonTyped(undefined), false);
 * ```
 */
export function jsonTyped(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_TYPE.test(contentType);
}

/**
 * The first of `names` (lower-cased) that a key of `body` read as a urlencoded form is read as
 * by some server, or undefined. Pairs end at `&` and at `;`; a key is decoded as
 * `URLSearchParams` decodes it (`+` a space, a malformed escape kept as written), then read
 * under every name a server may read it as (PHP's, Rack's and qs's, any letter case).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formKeyNamed } from "./_form_reading.ts";
 * const body = new TextEncoder().encode('{"q":"a","x":"&%71uery=mutation { x }"}');
 * assert.equal(formKeyNamed(body, ["query"]), "query");
 * assert.equal(formKeyNamed(new TextEncoder().encode('{"query":"{ a }"}'), ["query"]), undefined);
 * ```
 */
export function formKeyNamed(body: Uint8Array, names: readonly string[]): string | undefined {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  // Every reading of a key starts where its leading spaces, brackets or `!` end: a key is read
  // whole only when a wanted name starts there, so a large form costs one pass over its text.
  const leads = new RegExp(`^[ [\\]!]*(?:${[...wanted].join("|")})`, "i");
  const firsts = new Set([" ", "[", "]", "!", "%", "+", ...[...wanted].map((name) => name[0]!)]);
  const text = new TextDecoder().decode(body);
  let start = 0;
  let eq = -1;
  for (let at = 0; at <= text.length; at++) {
    const code = at < text.length ? text.charCodeAt(at) : AMPERSAND;
    if (code === EQUALS && eq < 0) eq = at;
    if (code !== AMPERSAND && code !== SEMICOLON) continue;
    const end = eq < 0 ? at : eq;
    if (end > start && firsts.has(text[start]!.toLowerCase())) {
      const key = lenientDecode(text.slice(start, end));
      if (leads.test(key)) {
        for (const name of keyReadings(key)) if (wanted.has(name)) return name;
      }
    }
    start = at + 1;
    eq = -1;
  }
  return undefined;
}

const AMPERSAND = 0x26;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;

/** `+` as a space and each well-formed `%XX` as its byte, the rest as written (UTF-8). */
function lenientDecode(text: string): string {
  if (!/[%+]/.test(text)) return text;
  return text.replaceAll("+", " ").replace(/(?:%[0-9a-f]{2})+/gi, decodeRun);
}

/** A run of `%XX` escapes as the text of its bytes (a malformed sequence as U+FFFD). */
function decodeRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return new TextDecoder().decode(bytes);
  }
}
