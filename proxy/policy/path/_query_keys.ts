/**
 * A query as origins read it: the names each parser reads a key as, and the pairs a query
 * holds when `;` separates them too. A query rule judges every reading, so that no origin acts
 * on a value the rule would refuse under the name it reads.
 *
 * @module
 */

import type { KeyNames } from "./key_names.ts";
import { parseQuery } from "./parse_query.ts";

/** One reading of a query: values by exact name, and by every name an origin may read. */
export interface QueryReading {
  /** Decoded name → values, as OpenShell reads them. */
  exact: Map<string, string[]>;
  /** Lower-cased name an origin may read → the values of every key it reads as that name. */
  loose: LooseReading;
}

/**
 * Values by the names an origin may read a query's keys as (see `namesReadAs()`): `get` and
 * `has` as a map's, keyed by a {@linkcode KeyNames} built once (when a policy compiles, or
 * once per module), each one's values found the first time it is asked for and kept, so a
 * long query is read only under the names a rule judges, each `KeyNames` once.
 */
export class LooseReading {
  readonly #exact: Map<string, string[]>;
  readonly #found = new Map<KeyNames, string[] | undefined>();

  /** A reading of `exact`, a query's parameters by decoded name. */
  constructor(exact: Map<string, string[]>) {
    this.#exact = exact;
  }

  /** The values of every key read as one of `names`, in order, or undefined for none. */
  get(names: KeyNames): string[] | undefined {
    if (this.#found.has(names)) return this.#found.get(names);
    let values: string[] | undefined;
    for (const [key, list] of this.#exact) {
      if (names.readAs(key) !== undefined) (values ??= []).push(...list);
    }
    this.#found.set(names, values);
    return values;
  }

  /** Whether some key reads as one of `names`. */
  has(names: KeyNames): boolean {
    return this.get(names) !== undefined;
  }
}

function reading(params: Map<string, string[]>): QueryReading {
  return { exact: params, loose: new LooseReading(params) };
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
