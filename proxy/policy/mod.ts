/**
 * The policy engine: parse and validate policy YAML with positions, compile matchers once,
 * and decide requests (pure, total, deny by default).
 *
 * @module
 */

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
export type { RequesterIdentity, RequestFacts } from "./request_facts.ts";
export type {
  Decision,
  GraphqlOperationSummary,
  McpCallSummary,
  RpcCallsSummary,
  RuleMissing,
} from "./decision.ts";
export { parsePolicy, validateNetworkRule } from "./parse_policy.ts";
export { policyFromJson } from "./policy_from_json.ts";
export { DELTA_MIN_CHARS, isDeltaJson, policyDelta } from "./policy_delta.ts";
export type { PolicyDelta } from "./policy_delta.ts";
export { parseYamlValue } from "./_fast_yaml.ts";
export { INVISIBLE_CHARACTERS, invisibleCharacter } from "./unicode/mod.ts";
export { formatIssue, PolicyValidationError } from "./policy_validation_error.ts";
export {
  loadPolicyFile,
  loadPolicyJson,
  loadPolicyText,
  namesProcess,
  realBinaryPath,
} from "./load_policy.ts";
export type { LoadedPolicy } from "./load_policy.ts";
export { LoadWorker } from "./load_worker.ts";
export type { LoadAnswer, LoadWorkerOptions } from "./load_worker.ts";
export { binaryMatches, compilePolicy, lookupGrants } from "./compile_policy.ts";
export { compilePlan, compilePlanInSlices, planKey, planPolicy } from "./policy_plan.ts";
export type { PlanSource, PolicyPlan } from "./policy_plan.ts";
export type { CompileOptions } from "./compile_policy.ts";
export type {
  BinaryMatcher,
  CompiledGraphql,
  CompiledGraphqlMatch,
  CompiledMatch,
  CompiledMcp,
  CompiledMcpMatch,
  CompiledPolicy,
  CompiledQuery,
  Grant,
  GrantLookup,
} from "./compiled_policy.ts";
export type { GlobMatcher } from "./glob.ts";
export { compilePathGlob } from "./glob.ts";
export { globCovers, globsOverlap, globWithin } from "./glob_overlap.ts";
export { decide } from "./decide.ts";
export { hostSkipsTls } from "./host_skips_tls.ts";
export {
  graphqlAllows,
  graphqlDenies,
  isGraphqlMatch,
  isJsonRpcFamily,
  isRestShaped,
  mcpRules,
  restAllows,
  restDenies,
} from "./l7_rules.ts";
export { bodyInspection, graphqlBodyLimit } from "./graphql_body_limit.ts";
export type { BodyInspection } from "./graphql_body_limit.ts";
export { WEBSOCKET_TEXT } from "./judge_websocket.ts";
export { classifyGraphqlRequest, GRAPHQL_DEFAULT_MAX_BODY_BYTES } from "./graphql_request.ts";
export type { GraphqlHttpRequest, GraphqlRequestInfo } from "./graphql_request.ts";
export { classifyDocument } from "./graphql_document.ts";
export { classifyMcpRequest, MCP_DEFAULT_MAX_BODY_BYTES } from "./mcp_request.ts";
export type { JsonRpcMode, McpCall, McpHttpRequest, McpRequestInfo } from "./mcp_request.ts";
export type { GraphqlOperation } from "./graphql_document.ts";
export { needsAddresses } from "./needs_addresses.ts";
export { canonicalizePath, MAX_PATH_BYTES } from "./canonicalize_path.ts";
export { parseQuery, queryProblem } from "./parse_query.ts";
export type { CanonicalizeOptions, CanonicalPathResult } from "./canonicalize_path.ts";
export { policyHash } from "./policy_hash.ts";
export { ANY_BINARY, formatBinaries, formatEndpoint, formatEndpoints } from "./format_endpoint.ts";
export {
  hostMatches,
  hostPatternProblem,
  parseHostPattern,
  wildcardMatches,
} from "./host_pattern.ts";
export type { HostPattern, LabelPattern } from "./host_pattern.ts";
export { findRevisionComments, REVISION_COMMENT, revisionCommentLine } from "./revision_comment.ts";
export type { ParsedPolicyText, RevisionMark } from "./revision_comment.ts";
export {
  cidrContains,
  classifyAddress,
  ipInCidrs,
  isIpLiteral,
  NEVER_ALLOWED_CLASSES,
  parseCidr,
} from "./ip.ts";
export type { AddressClass, Cidr } from "./ip.ts";
export { parseListen } from "./parse_listen.ts";
export type { ListenAddress } from "./parse_listen.ts";
export { policyCoversRule } from "./policy_covers_rule.ts";
export { ACCESS_PRESETS, HTTP_METHODS, presetMethods } from "./presets.ts";
export {
  LEASE_COMMENT,
  leaseComment,
  leaseLive,
  parseLeaseComment,
  parseRuleLeases,
} from "./rule_leases.ts";
export type { RuleLease, RuleScope } from "./rule_leases.ts";
export { canonicalizePattern } from "./canonicalize_path.ts";
export { matcherGlobs } from "./_query.ts";
export { keyReadings } from "./_query_keys.ts";
