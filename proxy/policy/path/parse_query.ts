/**
 * Query strings as the policy reads them: `&`-separated pairs, `+` as space, strict
 * percent-decoding. A query that cannot be decoded is refused, never matched as written, so
 * the policy and the origin can never disagree about what a value says.
 *
 * @module
 */

import { walkPairs } from "./_walk_pairs.ts";

/** One key or value decoded, or undefined when an escape or its UTF-8 is malformed. */
function decodeComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/**
 * Parse a raw query string (no `?`) into key → decoded values, in order.
 *
 * Follows OpenShell's `parse_query_params`: empty pairs are skipped, a key without `=` has
 * the value `""`, `+` is a space, `%XX` must be two hex digits and the bytes valid UTF-8.
 *
 * @param options `semicolons`: a `;` ends a pair too, as Rack 2 reads it (OpenShell, PHP and qs
 * split on `&` only).
 * @returns The parameters, or undefined when the query is malformed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQuery } from "./parse_query.ts";
 * assert.deepEqual(parseQuery("tag=a&tag=b+c&x"), new Map([["tag", ["a", "b c"]], ["x", [""]]]));
 * assert.equal(parseQuery("slug=bad%2"), undefined);
 * ```
 */
export function parseQuery(
  raw: string | undefined,
  options: { semicolons?: boolean } = {},
): Map<string, string[]> | undefined {
  const out = new Map<string, string[]>();
  if (!raw) return out;
  const malformed = walkPairs(raw, options.semicolons === true, (start, eq, end) => {
    const key = decodeComponent(raw.slice(start, eq));
    const value = eq === end ? "" : decodeComponent(raw.slice(eq + 1, end));
    if (key === undefined || value === undefined) return true;
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  });
  return malformed ? undefined : out;
}

/**
 * Why a raw query (no `?`) must be refused, or undefined when it is well formed. The
 * transport answers 400 for it before deciding, as OpenShell does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryProblem } from "./parse_query.ts";
 * assert.equal(queryProblem("q=caf%C3%A9"), undefined);
 * assert.equal(queryProblem("slug=bad%2"), "query contains an invalid percent-escape");
 * ```
 */
export function queryProblem(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // A fragment never belongs in a request target; an origin would cut the query short there.
  if (raw.includes("#")) return "query contains a fragment";
  return parseQuery(raw) === undefined ? "query contains an invalid percent-escape" : undefined;
}
