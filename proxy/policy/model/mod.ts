/**
 * The shapes every part of the policy engine shares: the policy as written, the compiled
 * policy, the facts of a request, the decision, access presets, L7 rule kinds and rule leases.
 *
 * @module
 */

export type {
  BinaryMatcher,
  CompiledGraphql,
  CompiledGraphqlMatch,
  CompiledMatch,
  CompiledMcp,
  CompiledMcpMatch,
  CompiledPolicy,
  CompiledQuery,
  CompiledQueryKey,
  Grant,
  GrantLookup,
} from "./compiled_policy.ts";
export type {
  Decision,
  GraphqlOperationSummary,
  McpCallSummary,
  RpcCallsSummary,
  RuleMissing,
} from "./decision.ts";
export {
  graphqlAllows,
  graphqlDenies,
  isGraphqlMatch,
  isJsonRpcFamily,
  isRestShaped,
  judgesGraphqlWs,
  mcpRules,
  restAllows,
  restDenies,
} from "./l7_rules.ts";
export { ACCESS_PRESETS, HTTP_METHODS, presetMethods } from "./presets.ts";
export type { RequesterIdentity, RequestFacts } from "./request_facts.ts";
export {
  LEASE_COMMENT,
  leaseComment,
  leaseLive,
  parseRuleLeases,
  withoutOthersRules,
} from "./rule_leases.ts";
export type { RuleLease, RuleScope } from "./rule_leases.ts";
export type {
  AccessPreset,
  AllowRule,
  BinaryRef,
  Endpoint,
  Enforcement,
  GraphqlMatch,
  JsonRpcOptions,
  L7Match,
  McpMatch,
  McpOptions,
  NetworkRule,
  Policy,
  PolicyIssue,
  QueryMatcherSpec,
} from "./types.ts";
