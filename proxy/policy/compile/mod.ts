/**
 * Compile a policy once into matchers and a per-host grant lookup (at once, or planned and
 * compiled in slices), and format compiled endpoints for a person.
 *
 * @module
 */

export { inspectsRequests, normaliseHost } from "./_compile_grant.ts";
export { matcherGlobs, queryAllows, queryDenies, queryKeysJudged } from "./_query.ts";
export { binaryMatches, compilePolicy, endpointPorts, lookupGrants } from "./compile_policy.ts";
export type { CompileOptions } from "./compile_policy.ts";
export { ANY_BINARY, formatBinaries, formatEndpoint, formatEndpoints } from "./format_endpoint.ts";
export { compilePlanInSlices, planKey, planPolicy } from "./policy_plan.ts";
export type { PlanSource, PolicyPlan } from "./policy_plan.ts";
export { ruleSlots } from "./rule_slots.ts";
export type { PlanParts, RuleSlots } from "./rule_slots.ts";
