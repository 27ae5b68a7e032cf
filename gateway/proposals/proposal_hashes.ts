/**
 * The digests a proposal is bound by: of a text (a policy, a patch), of a rule's content
 * whatever its key order or layout, and the review token over what a reviewer was shown.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * Hex SHA-256 of a text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textHash } from "./proposal_hashes.ts";
 * assert(textHash("").startsWith("e3b0c442"));
 * ```
 */
export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Hash of a rule's content, independent of key order and YAML layout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ruleHash } from "./proposal_hashes.ts";
 * assert.equal(ruleHash({ a: 1, b: [2] }), ruleHash({ b: [2], a: 1 }));
 * ```
 */
export function ruleHash(rule: unknown): string {
  return textHash(JSON.stringify(canonical(rule)));
}

/**
 * The review token: a digest of the proposal, its rule, the policy it applies to and the
 * policy approval would write. Two reads that show the same token showed the same change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reviewToken } from "./proposal_hashes.ts";
 * assert.equal(reviewToken("p-1", { a: 1 }, "c", "n").length, 64);
 * ```
 */
export function reviewToken(id: string, rule: unknown, current: string, candidate: string): string {
  return textHash(["tollgate-review/1", id, ruleHash(rule), current, candidate].join("\n"));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
}
