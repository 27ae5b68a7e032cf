/**
 * A proposed rule validated by the policy engine, with its problems flattened to strings for
 * findings.
 *
 * @module
 */

import { type NetworkRule, validateNetworkRule } from "../../proxy/policy/mod.ts";

/**
 * Validate one rule as an agent proposed it with the policy engine's `validateNetworkRule()`;
 * each problem as one `path: message` string, the form findings carry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateProposedRule } from "./validate_proposed_rule.ts";
 * assert(validateProposedRule({}).problems.length > 0);
 * ```
 */
export function validateProposedRule(raw: unknown): { rule?: NetworkRule; problems: string[] } {
  const { rule, problems } = validateNetworkRule(raw);
  const texts = problems.map((p) => p.path ? `${p.path}: ${p.message}` : p.message);
  return rule ? { rule, problems: texts } : { problems: texts };
}
