/**
 * Tollgate's library toolkit: the policy engine (parse, load, compile, decide), the proxy
 * service, the proposal store and gateway with its client, the sandbox runner, the OCSF audit
 * log and the CA. Everything else is internal and may change without notice.
 *
 * @example Decide requests against a policy
 * ```ts
 * import assert from "node:assert/strict";
 * import { decide, loadPolicyText } from "@tollgate/tollgate";
 *
 * const loaded = loadPolicyText(
 *   `version: 1
 * network_policies:
 *   github:
 *     endpoints: [{ host: api.github.com, port: 443 }]
 *     binaries: [{ path: /usr/bin/curl }]
 * `,
 *   "team.yaml",
 * );
 * const curl = { exe: "/usr/bin/curl", ancestors: [] };
 * const allowed = decide(loaded.compiled, { host: "api.github.com", port: 443, identity: curl });
 * assert.equal(allowed.verdict, "allow");
 * const denied = decide(loaded.compiled, { host: "example.com", port: 443, identity: curl });
 * assert.equal(denied.verdict, "deny");
 * ```
 *
 * @module
 */

// The policy engine.
export {
  canonicalizePath,
  compilePolicy,
  decide,
  loadPolicyFile,
  loadPolicyText,
  parsePolicy,
  PolicyValidationError,
} from "./proxy/policy/mod.ts";
export type {
  AccessPreset,
  AllowRule,
  BinaryRef,
  CanonicalizeOptions,
  CanonicalPathResult,
  CompiledPolicy,
  CompileOptions,
  Decision,
  Endpoint,
  Enforcement,
  GraphqlMatch,
  GraphqlOperation,
  GraphqlOperationSummary,
  GraphqlRequestInfo,
  L7Match,
  LoadedPolicy,
  NetworkRule,
  Policy,
  PolicyIssue,
  QueryMatcherSpec,
  RequesterIdentity,
  RequestFacts,
  RuleLease,
  RuleMissing,
  RuleScope,
} from "./proxy/policy/mod.ts";
// The proxy and its CA.
export { startProxyService } from "./proxy/mod.ts";
export type {
  IdentityResolver,
  PeerAddress,
  PolicyFeed,
  ProxyService,
  ProxyServiceOptions,
} from "./proxy/mod.ts";
export { CertificateAuthority } from "./proxy/tls/mod.ts";
export type { CertificateAuthorityOptions, LeafCertificate } from "./proxy/tls/mod.ts";
// Proposals, the gateway and its client.
export {
  GatewayClient,
  ProposalConflictError,
  ProposalStore,
  startGateway,
  toProposalStatus,
} from "./gateway/mod.ts";
export type {
  ApproveResult,
  CeilingCheck,
  CeilingFit,
  GatewayClientOptions,
  GatewayOptions,
  LeaseEntry,
  ListedMeta,
  ListedProposal,
  ProposalDecision,
  ProposalMeta,
  ProposalRecord,
  ProposalState,
  ProposalStoreOptions,
  PublishedPolicy,
  RejectOptions,
  RemoteOptions,
  RuleRemoval,
  RunningGateway,
  ServerSentEvent,
  StoreChange,
} from "./gateway/mod.ts";
export type {
  Finding,
  Guidance,
  ProposalInput,
  ProposalSink,
  ProposalStatus,
  SubmitResult,
} from "./proxy/policy_local/mod.ts";
export type { ApprovalScope, ApproveOptions, RuleEnd } from "./gateway/automation/mod.ts";
// The sandbox runner.
export { runSandbox } from "./proxy/sandbox/mod.ts";
export type {
  IdentityThunk,
  Isolation,
  RunSandboxOptions,
  SandboxProxy,
} from "./proxy/sandbox/mod.ts";
// The audit log.
export { expandEvent, OcsfLog, readOcsfEvents, renderShorthand } from "./proxy/ocsf/mod.ts";
export type {
  OcsfEndpoint,
  OcsfEvent,
  OcsfLogOptions,
  ReadOcsfOptions,
  ReadOcsfResult,
} from "./proxy/ocsf/mod.ts";
