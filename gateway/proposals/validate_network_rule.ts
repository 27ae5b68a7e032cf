/**
 * A proposed rule validated by the policy engine, with its problems flattened to strings for
 * findings.
 *
 * @module
 */

import { type NetworkRule, validateNetworkRule as validateRule } from "../../proxy/policy/mod.ts";

/**
 * Validate one rule as an agent proposed it; each problem as `path: message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateNetworkRule } from "./validate_network_rule.ts";
 * assert(validateNetworkRule({}).problems.length > 0);
 * ```
 */
export function validateNetworkRule(raw: unknown): { rule?: NetworkRule; problems: string[] } {
  const { rule, problems } = validateRule(raw);
  const texts = problems.map((p) => p.path ? `${p.path}: ${p.message}` : p.message);
  return rule ? { rule, problems: texts } : { problems: texts };
}
