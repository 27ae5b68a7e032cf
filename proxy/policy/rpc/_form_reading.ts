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
  const text = new TextDecoder().decode(body);
  for (const pair of text.split(/[&;]/)) {
    const eq = pair.indexOf("=");
    const key = lenientDecode(eq < 0 ? pair : pair.slice(0, eq));
    for (const name of keyReadings(key)) if (wanted.has(name)) return name;
  }
  return undefined;
}

/** `+` as a space and each well-formed `%XX` as its byte, the rest as written (UTF-8). */
function lenientDecode(text: string): string {
  if (!/[%+]/.test(text)) return text;
  const spaced = text.replaceAll("+", " ");
  const encoder = new TextEncoder();
  const bytes: number[] = [];
  for (let at = 0; at < spaced.length; at++) {
    const escape = spaced[at] === "%" ? /^[0-9a-f]{2}$/i.exec(spaced.slice(at + 1, at + 3)) : null;
    if (escape !== null) {
      bytes.push(parseInt(escape[0], 16));
      at += 2;
    } else {
      const point = spaced.codePointAt(at)!;
      if (point > 0xffff) at++;
      bytes.push(...encoder.encode(String.fromCodePoint(point)));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
