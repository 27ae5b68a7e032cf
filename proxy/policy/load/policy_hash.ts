/**
 * A stable content hash of a policy: the same for every file that means the same policy.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { canonicalPolicy, canonicalRule } from "./_policy_canonical.ts";
import type { NetworkRule, Policy } from "../model/mod.ts";

/**
 * SHA-256 (hex) of a canonical serialisation: keys sorted, `port` folded into `ports`,
 * `enforcement` defaulted to `enforce`, hosts lower-cased. Comments, key order and
 * formatting do not change it. The `revision` IS included: it names the approved state, so
 * an approval that bumps it yields a new hash even if the grants end up the same, and
 * proxies and `/v1/policy/current` can tell revisions apart by hash alone. `ruleText`, when
 * given, writes (or recalls) each rule's part of the text as `canonicalRule` does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyHash } from "./policy_hash.ts";
 * const h = policyHash({ version: 1, revision: 0, network_policies: {} });
 * assert(/^[0-9a-f]{64}$/.test(h));
 * ```
 */
export function policyHash(
  policy: Policy,
  ruleText: (key: string, rule: NetworkRule) => string = canonicalRule,
): string {
  return createHash("sha256").update(canonicalPolicy(policy, ruleText)).digest("hex");
}
