/**
 * A text read as a urlencoded form by a lenient server (`URLSearchParams`, GraphQL Yoga,
 * express-graphql): which of a few named parameters its keys read as.
 *
 * @module
 */

import type { KeyNames } from "./key_names.ts";
import { walkPairs } from "./_walk_pairs.ts";

/**
 * The first of `names` (lower-cased) that a key of `text` read as a urlencoded form is read as
 * by some server, or undefined. Pairs end at `&` and at `;`; a key is decoded as
 * `URLSearchParams` decodes it (`+` a space, a malformed escape kept as written), then read
 * under every name a server may read it as ({@linkcode KeyNames}). Only a key whose first
 * character may begin a name is decoded, so a large form costs one pass over its text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formKeyNamed } from "./form_key_named.ts";
 * import { KeyNames } from "./key_names.ts";
 * const query = new KeyNames(["query"]);
 * assert.equal(formKeyNamed('{"q":"a","x":"&%71uery=mutation { x }"}', query), "query");
 * assert.equal(formKeyNamed('{"query":"{ a }"}', query), undefined);
 * ```
 */
export function formKeyNamed(text: string, names: KeyNames): string | undefined {
  let found: string | undefined;
  walkPairs(text, true, (start, eq) => {
    if (eq === start || !names.mayBegin(text[start]!)) return false;
    found = names.readAs(lenientDecode(text.slice(start, eq)));
    return found !== undefined;
  });
  return found;
}

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
