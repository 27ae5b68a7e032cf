/**
 * Query matchers: normalise the three spellings to one list of globs per key and apply
 * OpenShell's allow/deny semantics to parsed parameters (`parseQuery()`).
 *
 * @module
 */

import { compilePathGlob, compileStringGlob, type GlobMatcher } from "../glob/mod.ts";
import type { CompiledMatch, CompiledQuery, Grant } from "../model/mod.ts";
import type { QueryMatcherSpec } from "../model/mod.ts";
import { KeyNames, type QueryReading } from "../path/mod.ts";

/**
 * The globs of a query matcher spec, whatever its spelling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matcherGlobs } from "./_query.ts";
 * assert.deepEqual(matcherGlobs({ any: ["a*", "b"] }), ["a*", "b"]);
 * assert.deepEqual(matcherGlobs("main"), ["main"]);
 * ```
 */
export function matcherGlobs(spec: QueryMatcherSpec): string[] {
  if (typeof spec === "string") return [spec];
  if ("glob" in spec) return [spec.glob];
  return spec.any;
}

/**
 * Compile `query` of an L7 match, or undefined when the match has none. An allow glob's `*`
 * stops at `.` as in OpenShell (OPA's `glob.match` with its default `.` delimiter), so
 * `tag: "v*"` does not admit `v1.2`; a deny glob's `*` matches anything, a superset of
 * OpenShell's, so a deny fires on at least what it fires on there.
 */
export function compileQuery(
  query: Record<string, QueryMatcherSpec> | undefined,
  deny = false,
): CompiledQuery | undefined {
  if (!query) return undefined;
  const compile = deny ? compileStringGlob : (g: string) => compilePathGlob(g, ".");
  // Each key's names are built here, once, not per request (a 4-key query read for 3 keys:
  // 2.5 → 1.9 µs CPU).
  return Object.entries(query).map(([key, spec]) => ({
    key,
    names: new KeyNames([key]),
    globs: matcherGlobs(spec).map(compile),
  }));
}

function valueMatches(globs: GlobMatcher[], value: string): boolean {
  return globs.some((g) => g(value));
}

/**
 * Allow semantics: every configured key present (as spelled), and every value of it matches,
 * under each name an origin may read as the key and in each reading of the query (`;` too):
 * an origin acts on no value the rule would refuse.
 */
export function queryAllows(q: CompiledQuery | undefined, readings: QueryReading[]): boolean {
  if (!q) return true;
  return readings.every((r) =>
    q.every(({ key, names, globs }) => {
      const values = r.loose.get(names);
      return r.exact.has(key) && values !== undefined &&
        values.every((v) => valueMatches(globs, v));
    })
  );
}

/**
 * Deny semantics (fail closed on values): no matchers fires always; otherwise, in some reading
 * of the query, every configured key is present under a name an origin may read as it, with
 * at least one matching value. A missing key means the deny does not apply.
 */
export function queryDenies(q: CompiledQuery | undefined, readings: QueryReading[]): boolean {
  if (!q) return true;
  return readings.some((r) =>
    q.every(({ names, globs }) => {
      const values = r.loose.get(names);
      return values !== undefined && values.some((v) => valueMatches(globs, v));
    })
  );
}

/**
 * The query keys (lower case) of the rules of `grants` whose method is one of `methods` (any
 * case) and whose path matches (`path` for allows, `lowerPath` for denies), whatever their
 * query says: the parameters those rules judge, which an origin may also read from the body.
 */
export function queryKeysJudged(
  grants: readonly Grant[],
  methods: readonly string[],
  path: string,
  lowerPath: string,
): string[] {
  let keys: Set<string> | undefined;
  const add = (m: CompiledMatch, text: string) => {
    if (!m.anyMethod && !methods.some((method) => m.methods.has(method.toUpperCase()))) return;
    if (!m.path(text)) return;
    keys ??= new Set();
    for (const { key } of m.query!) keys.add(key.toLowerCase());
  };
  for (const g of grants) {
    for (const m of g.allow) if (m.query) add(m, path);
    for (const m of g.deny) if (m.query) add(m, lowerPath);
  }
  return keys === undefined ? [] : [...keys];
}
