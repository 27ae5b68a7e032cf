/**
 * Rule keys as a person reads them: `GH-Docs`, `gh.docs` and `gh_docs` are one name at a
 * glance, in a diff or a log line (`[policy:gh_docs]`). Used so that an agent's rule never gets
 * a key that reads as an existing one.
 *
 * @module
 */

/**
 * A rule key as it reads at a glance: lower case, with `-` and `.` as `_`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldRuleKey } from "./similar_rule_key.ts";
 * assert.equal(foldRuleKey("GH-Docs.v2"), "gh_docs_v2");
 * ```
 */
export function foldRuleKey(key: string): string {
  return key.toLowerCase().replace(/[-.]/g, "_");
}

/**
 * The key of `existing` that reads as `key` (see {@linkcode foldRuleKey}), if any; `key`
 * itself when it exists as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { similarRuleKey } from "./similar_rule_key.ts";
 * assert.equal(similarRuleKey("gh_docs", ["GH-Docs", "wiki"]), "GH-Docs");
 * assert.equal(similarRuleKey("gh_docs", ["wiki"]), undefined);
 * ```
 */
export function similarRuleKey(key: string, existing: Iterable<string>): string | undefined {
  const folded = foldRuleKey(key);
  let similar: string | undefined;
  for (const k of existing) {
    if (k === key) return k;
    // Folding keeps the length: most keys are ruled out without folding them.
    if (similar === undefined && k.length === key.length && foldRuleKey(k) === folded) similar = k;
  }
  return similar;
}
