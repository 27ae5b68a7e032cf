/**
 * The fast first parse of policy text. `yaml` (which gives every node its source position)
 * takes seconds on a 10,000-rule file, most of it in its lexer and its quadratic duplicate-key
 * check; `js-yaml` reads the same file about twenty times faster. The fast parse is taken only
 * for plain documents: no aliases, no tags, no `__proto__` key, no duplicate keys, one document. Anything
 * else (and every invalid file, whose issues need positions) goes through `yaml`, so both paths
 * mean the same thing for every text the fast one accepts (`fast_yaml_test.ts` checks a corpus).
 *
 * @module
 */

import { CORE_SCHEMA, load } from "js-yaml";
import { parse } from "yaml";

/**
 * The plain value of a YAML text, or undefined when the fast parser does not take it (the
 * caller then parses with `yaml`, which reports positions and handles every construct).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fastYamlValue } from "./_fast_yaml.ts";
 * assert.equal(JSON.stringify(fastYamlValue("a: [1, b]\n")), '{"a":[1,"b"]}');
 * assert.equal(fastYamlValue("a: 1\na: 2\n"), undefined);
 * ```
 */
export function fastYamlValue(text: string): unknown {
  // A `__proto__` key becomes an own property in `yaml`, and tags (`!!float 1`) resolve
  // differently in the two parsers: leave both to `yaml` (a policy needs neither).
  if (text.includes("__proto__") || text.includes("!")) return undefined;
  try {
    // maxAliases 0: `yaml` caps alias expansion (maxAliasCount), so aliases take its path.
    // Duplicate keys throw here (json: false); `yaml` then reports them with a position.
    const value = load(text, { schema: CORE_SCHEMA, maxAliases: 0, json: false });
    return hasNullishKey(value) ? undefined : value;
  } catch {
    return undefined;
  }
}

/**
 * The plain value of a YAML text: the fast parse when it takes the text, else `yaml`'s.
 *
 * @throws {Error} when the text is not YAML (`yaml`'s error)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseYamlValue } from "./_fast_yaml.ts";
 * assert.equal(JSON.stringify(parseYamlValue("a: &x 1\nb: *x\n")), '{"a":1,"b":1}');
 * ```
 */
export function parseYamlValue(text: string): unknown {
  const fast = fastYamlValue(text);
  return fast !== undefined ? fast : parse(text, { maxAliasCount: 100 });
}

/**
 * A null key (`null:`, `~:`) is the string "null" here and "" in `yaml`; a key that reads
 * "null" or "" (rare in a policy) takes the `yaml` path so that both mean the same. Searched in
 * the value's JSON (one native pass, where walking 10,000 rules in script took longer): inside
 * a JSON string every quote is escaped, so `"null":` and `"":` appear only for such keys (or
 * for a key ending in a quote: a false alarm that merely takes the `yaml` path).
 */
function hasNullishKey(value: unknown): boolean {
  const json = JSON.stringify(value) ?? "";
  return json.includes('"null":') || json.includes('"":') || json.includes(REVISION_WORDS);
}

/**
 * A scalar holding the words of the revision comment (`# tollgate-revision: N`) also takes the
 * `yaml` path: only it tells such a scalar from the comment, so on the fast path every
 * `# tollgate-revision:` line at column 0 is the comment.
 */
const REVISION_WORDS = "tollgate-revision";
