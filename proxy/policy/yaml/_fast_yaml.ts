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

import { blockYamlValue } from "./_block_yaml.ts";
import { jsYamlPackage, yamlPackage } from "./_yaml_packages.ts";

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
  // The usual shape (every policy Tollgate writes) needs no general parser at all.
  const block = blockYamlValue(text);
  if (block !== undefined) return block;
  try {
    // maxAliases 0: `yaml` caps alias expansion (maxAliasCount), so aliases take its path.
    // Duplicate keys throw here (json: false); `yaml` then reports them with a position.
    const { CORE_SCHEMA, load } = jsYamlPackage();
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
  return fast !== undefined ? fast : yamlPackage().parse(text, { maxAliasCount: 100 });
}

/**
 * A null key (`null:`, `~:`) is the string "null" here and "" in `yaml`; a key that reads
 * "null" or "" (rare in a policy) takes the `yaml` path so that both mean the same. One walk
 * over the keys and strings: on a 10,000-rule policy it takes a third of the time of the
 * JSON.stringify search it replaced (9-13 ms against 27-32 ms), and stops at the first find.
 */
function hasNullishKey(value: unknown): boolean {
  if (typeof value === "string") return value.includes(REVISION_WORDS);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNullishKey(value[i])) return true;
    return false;
  }
  const map = value as Record<string, unknown>;
  for (const key in map) {
    if (key === "null" || key === "" || key.includes(REVISION_WORDS)) return true;
    if (hasNullishKey(map[key])) return true;
  }
  return false;
}

/**
 * A scalar holding the words of the revision comment (`# tollgate-revision: N`) also takes the
 * `yaml` path: only it tells such a scalar from the comment, so on the fast path every
 * `# tollgate-revision:` line at column 0 is the comment.
 */
const REVISION_WORDS = "tollgate-revision";
