/**
 * A query as origins read it: the names each parser reads a key as, and the pairs a query
 * holds when `;` separates them too. A query rule judges every reading, so that no origin acts
 * on a value the rule would refuse under the name it reads.
 *
 * @module
 */

import { KeyNames } from "./key_names.ts";
import { parseQuery } from "./parse_query.ts";

/**
 * Values by every lower-cased name an origin may read a query's keys as (see
 * `keyReadings()`): `get` and `has` as a map's, each name's values found the first time
 * it is asked for, so a long query is read only under the names a rule judges.
 */
export interface LooseReading {
  /** The values of every key read as `name` (lower case), in order, or undefined for none. */
  get(name: string): string[] | undefined;
  /** Whether some key reads as `name` (lower case). */
  has(name: string): boolean;
}

/** One reading of a query: values by exact name, and by every name an origin may read. */
export interface QueryReading {
  /** Decoded name → values, as OpenShell reads them. */
  exact: Map<string, string[]>;
  /** Lower-cased name an origin may read → the values of every key it reads as that name. */
  loose: LooseReading;
}

/** A {@linkcode LooseReading} of parsed parameters, each name judged once. */
class LooseNames implements LooseReading {
  readonly #exact: Map<string, string[]>;
  readonly #found = new Map<string, string[] | undefined>();

  constructor(exact: Map<string, string[]>) {
    this.#exact = exact;
  }

  get(name: string): string[] | undefined {
    if (this.#found.has(name)) return this.#found.get(name);
    let values: string[] | undefined;
    // Every reading is lower case: a name that is not is no key's.
    if (name === name.toLowerCase()) {
      const names = new KeyNames([name]);
      for (const [key, list] of this.#exact) {
        if (names.readAs(key) !== undefined) (values ??= []).push(...list);
      }
    }
    this.#found.set(name, values);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

function reading(params: Map<string, string[]>): QueryReading {
  return { exact: params, loose: new LooseNames(params) };
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
  const semi = parseQuery(raw, { semicolons: true });
  return semi === undefined ? undefined : [reading(amp), reading(semi)];
}
