/**
 * A policy from its JSON document (the validated policy a gateway pushes beside the YAML text):
 * the same schema validation as a policy file, without the YAML parse.
 *
 * @module
 */

import { Checker } from "./_checker.ts";
import { validatePolicyValue } from "./_validate_policy.ts";
import type { Policy } from "../model/mod.ts";
import type { ValidatedRules } from "./validated_rules.ts";

/**
 * Validate a policy given as JSON. Returns the policy only when the JSON parses and passes
 * every check cleanly (no problem, no warning); otherwise undefined, and the caller parses the
 * YAML text instead, which reports each issue with its line and column. JSON.parse is many
 * times cheaper than a YAML parse of the same policy, and a JSON document carries no comments,
 * aliases or tags, so what validates here is the policy as written. `known` (the rules of the
 * last clean push) spares validating again the rules a push did not change, and is updated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyFromJson } from "./policy_from_json.ts";
 * const policy = policyFromJson('{"version":1,"revision":4,"network_policies":{}}');
 * assert.equal(policy?.revision, 4);
 * assert.equal(policyFromJson('{"version":2}'), undefined);
 * assert.equal(policyFromJson("not json"), undefined);
 * ```
 */
export function policyFromJson(json: string, known?: ValidatedRules): Policy | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const checker = new Checker(json);
  const policy = validatePolicyValue(checker, value, known);
  if (!policy || checker.problems.length > 0 || checker.warnings.length > 0) {
    known?.drop();
    return undefined;
  }
  known?.keep();
  return policy;
}
