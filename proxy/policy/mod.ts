/**
 * The policy engine: parse and validate policy YAML with positions, compile matchers once,
 * and decide requests (pure, total, deny by default).
 *
 * @module
 */

export type {
  AccessPreset,
  BinaryRef,
  Decision,
  Endpoint,
  Enforcement,
  L7Match,
  NetworkRule,
  Policy,
  PolicyIssue,
  QueryMatcherSpec,
  RequesterIdentity,
  RequestFacts,
  RuleMissing,
} from "./types.ts";
