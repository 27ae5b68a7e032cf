/**
 * A query as origins read it: the names each parser reads a key as, and the pairs a query
 * holds when `;` separates them too. A query rule judges every reading, so that no origin acts
 * on a value the rule would refuse under the name it reads.
 *
 * @module
 */

import { parseQuery } from "./parse_query.ts";

/** One reading of a query: values by exact name, and by every name an origin may read. */
export interface QueryReading {
  /** Decoded name → values, as OpenShell reads them. */
  exact: Map<string, string[]>;
  /** Lower-cased name an origin may read → the values of every key it reads as that name. */
  loose: Map<string, string[]>;
}

// Rack and qs read a name up to its first bracket, after leading brackets (`[a]`, `a[]`,
// `a[0]`, `a[b]` are all `a`); spaces too, as Rack 2 drops them after a separator.
const BRACKET_NAME = /^[ [\]]*([^[\]]*)/;

/** PHP's reading: cut at NUL, leading spaces dropped, `.` and space as `_`, `a[..]` as `a`. */
function phpName(name: string): string {
  const nul = name.indexOf("\0");
  let text = (nul < 0 ? name : name.slice(0, nul)).replace(/^ +/, "");
  const open = text.indexOf("[");
  if (open >= 0) {
    // An unclosed `[` is read as `_` and the name goes on; a closed one starts an array.
    text = text.indexOf("]", open) > open
      ? text.slice(0, open)
      : `${text.slice(0, open)}_${text.slice(open + 1)}`;
  }
  return text.replace(/[. ]/g, "_");
}

/**
 * Every name (lower-cased) a popular origin reads the decoded query key `name` as: itself,
 * PHP's (`$_GET`), Rack's and qs's (Express), Spring's `!` default; letter case is ignored as
 * ASP.NET ignores it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyReadings } from "./_query_keys.ts";
 * assert.deepEqual([...keyReadings(" Force[]")], [" force[]", "force"]);
 * assert.deepEqual([...keyReadings("per.page")], ["per.page", "per_page"]);
 * ```
 */
export function keyReadings(name: string): Set<string> {
  const names = new Set([name, phpName(name), BRACKET_NAME.exec(name)![1]!]);
  // Spring's data binder reads `!force` as the default of `force` when `force` is absent.
  if (name.startsWith("!")) names.add(name.slice(1));
  const lower = new Set([...names].map((n) => n.toLowerCase()));
  if (name !== "") lower.delete("");
  return lower;
}

function reading(params: Map<string, string[]>): QueryReading {
  const loose = new Map<string, string[]>();
  for (const [key, values] of params) {
    for (const name of keyReadings(key)) {
      const had = loose.get(name);
      if (had) had.push(...values);
      else loose.set(name, [...values]);
    }
  }
  return { exact: params, loose };
}

/**
 * The most `&`-separated parts a query rule reads. PHP (`max_input_vars`) and Express's qs
 * (`parameterLimit`, empty parts counted) read the first 1,000 and drop the rest, so a key the
 * rule found past them is one the origin never sees: `?dry_run=true` after 1,000 others passed
 * an allow on `dry_run: "true"` and PHP ran without it.
 */
export const MAX_QUERY_PARTS = 1000;

/** Whether `raw` has more than {@linkcode MAX_QUERY_PARTS} `&`-separated parts. */
function tooManyParts(raw: string): boolean {
  let parts = 1;
  for (let at = raw.indexOf("&"); at >= 0; at = raw.indexOf("&", at + 1)) {
    if (++parts > MAX_QUERY_PARTS) return true;
  }
  return false;
}

/**
 * The readings of a raw query (no `?`): pairs split on `&`, and when it holds a `;`, also on
 * `&` and `;` (Rack 2, Python before 3.9.2); undefined when the query is malformed or has more
 * parts than origins read ({@linkcode MAX_QUERY_PARTS}): a rule then fails closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryReadings } from "./_query_keys.ts";
 * const readings = queryReadings("a=1;force=true")!;
 * assert.deepEqual(readings.map((r) => r.exact.get("force")), [undefined, ["true"]]);
 * ```
 */
export function queryReadings(raw: string | undefined): QueryReading[] | undefined {
  if (raw !== undefined && tooManyParts(raw)) return undefined;
  const amp = parseQuery(raw);
  if (amp === undefined) return undefined;
  if (!raw?.includes(";")) return [reading(amp)];
  const semi = parseQuery(raw, /[&;]/);
  return semi === undefined ? undefined : [reading(amp), reading(semi)];
}
