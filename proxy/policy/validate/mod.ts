/**
 * Validate a policy's structure with positions: the checker, every rule and endpoint
 * validator, the policy built from JSON, and the error that reports the issues.
 *
 * @module
 */

export { Checker, formatValuePath } from "./_checker.ts";
export type { PlainMap, Problem, ValuePath } from "./_checker.ts";
export { validatePolicyValue } from "./_validate_policy.ts";
export { validateRuleValue } from "./_validate_rule.ts";
export { policyFromJson } from "./policy_from_json.ts";
export { ValidatedRules } from "./validated_rules.ts";
export { formatIssue, PolicyValidationError } from "./policy_validation_error.ts";
