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
} from "./model/mod.ts";
export type { RequesterIdentity, RequestFacts } from "./model/mod.ts";
export type {
  Decision,
  GraphqlOperationSummary,
  McpCallSummary,
  RpcCallsSummary,
  RuleMissing,
} from "./model/mod.ts";
export { parsePolicy, validateNetworkRule } from "./yaml/mod.ts";
export { policyFromJson, ValidatedRules } from "./validate/mod.ts";
export { DELTA_MIN_CHARS, policyDelta } from "./load/mod.ts";
export type { PolicyDelta } from "./load/mod.ts";
export { parseYamlValue } from "./yaml/mod.ts";
export { INVISIBLE_CHARACTERS } from "./unicode/mod.ts";
export { formatIssue, PolicyValidationError } from "./validate/mod.ts";
export {
  loadPolicyFile,
  loadPolicyJson,
  loadPolicyText,
  namesProcess,
  realBinaryPath,
} from "./load/mod.ts";
export type { LoadedPolicy } from "./load/mod.ts";
export { LoadWorker } from "./load/mod.ts";
export type { LoadAnswer, LoadSource, LoadWorkerOptions } from "./load/mod.ts";
export { compilePolicy, lookupGrants } from "./compile/mod.ts";
export { compilePlanInSlices, planKey } from "./compile/mod.ts";
export type { PlanSource, PolicyPlan } from "./compile/mod.ts";
export type { CompileOptions } from "./compile/mod.ts";
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
} from "./model/mod.ts";
export type { GlobMatcher } from "./glob/mod.ts";
export { globCovers, globsOverlap, globWithin } from "./glob/mod.ts";
export { decide } from "./decide/mod.ts";
export { hostSkipsTls } from "./decide/mod.ts";
export {
  graphqlAllows,
  isGraphqlMatch,
  isJsonRpcFamily,
  isRestShaped,
  judgesGraphqlWs,
  mcpRules,
  restAllows,
  restDenies,
} from "./model/mod.ts";
export { bodyInspection } from "./decide/mod.ts";
export type { BodyInspection } from "./decide/mod.ts";
export { WEBSOCKET_TEXT } from "./judge/mod.ts";
export { classifyGraphqlRequest } from "./rpc/mod.ts";
export type { GraphqlHttpRequest, GraphqlRequestInfo } from "./rpc/mod.ts";
export type { GraphqlWsMessage } from "./rpc/mod.ts";
export { classifyMcpRequest } from "./rpc/mod.ts";
export type { JsonRpcMode, McpCall, McpHttpRequest, McpRequestInfo } from "./rpc/mod.ts";
export type { GraphqlOperation } from "./rpc/mod.ts";
export { needsAddresses } from "./decide/mod.ts";
export { canonicalizePath } from "./path/mod.ts";
export { parseQuery, queryProblem } from "./path/mod.ts";
export type { CanonicalizeOptions, CanonicalPathResult } from "./path/mod.ts";
export { policyHash } from "./load/mod.ts";
export { ANY_BINARY, formatBinaries, formatEndpoint, formatEndpoints } from "./compile/mod.ts";
export { hostMatches, hostPatternProblem, parseHostPattern } from "./host/mod.ts";
export type { HostPattern, LabelPattern } from "./host/mod.ts";
export { findRevisionComments, REVISION_COMMENT, revisionCommentLine } from "./yaml/mod.ts";
export type { ParsedPolicyText, RevisionMark } from "./yaml/mod.ts";
export {
  cidrContains,
  classifyAddress,
  ipInCidrs,
  isIpLiteral,
  NEVER_ALLOWED_CLASSES,
  parseCidr,
} from "./host/mod.ts";
export type { AddressClass, Cidr } from "./host/mod.ts";
export { parseListen } from "./host/mod.ts";
export type { ListenAddress } from "./host/mod.ts";
export { policyCoversRule } from "./covers/mod.ts";
export { presetMethods } from "./model/mod.ts";
export { leaseComment, leaseLive, parseRuleLeases, withoutOthersRules } from "./model/mod.ts";
export type { RuleLease, RuleScope } from "./model/mod.ts";
export { canonicalizePattern } from "./path/mod.ts";
export { matcherGlobs } from "./compile/mod.ts";
export { KeyNames } from "./path/mod.ts";
