/**
 * The data plane: the enforcing proxy (`startProxy`), the policy it holds and reloads, the CA
 * it intercepts TLS with, and the requester identity it decides on.
 *
 * @module
 */

export { PolicyHolder, reloadFromText } from "./policy_holder.ts";
export { watchPolicyFile } from "./watch_policy_file.ts";
export { DEFAULT_SKILL_PATH, LOG_BATCH_MS, startProxyService } from "./proxy_service.ts";
export type { PolicyFeed, ProxyService, ProxyServiceOptions } from "./proxy_service.ts";
export type { PolicySnapshot, UpdateResult } from "./policy_holder.ts";
export type { WatchOptions } from "./watch_policy_file.ts";
export {
  ByteStream,
  DestinationResolver,
  duplexFromDenoConn,
  MAX_CLIENT_CONNECTIONS,
  parseRequestHead,
  parseResolveOverride,
  parseResponseHead,
  ProtocolError,
  startProxy,
  UpstreamError,
  UpstreamPool,
} from "./transport/mod.ts";
export type {
  BodyFraming,
  DestinationResult,
  HeaderField,
  HeadError,
  HeadRead,
  HeadResult,
  HeadTimeouts,
  PoolOptions,
  ProxyHandle,
  ProxyOptions,
  RequestHead,
  ResolveOverride,
  ResponseHead,
  UpstreamConnection,
  UpstreamTarget,
} from "./transport/mod.ts";
export { CertificateAuthority } from "./tls/mod.ts";
export type { LeafCertificate } from "./tls/mod.ts";
export { createProcIdentityResolver } from "./identity/mod.ts";
export type { IdentityResolver, PeerAddress, ProcIdentityOptions } from "./identity/mod.ts";
// Types of other modules that the API above names, so that its documentation is complete.
export type {
  AccessPreset,
  BinaryMatcher,
  BinaryRef,
  CompiledMatch,
  CompiledPolicy,
  CompiledQuery,
  Endpoint,
  Enforcement,
  GlobMatcher,
  Grant,
  HostPattern,
  L7Match,
  NetworkRule,
  Policy,
  PolicyIssue,
  QueryMatcherSpec,
  RequesterIdentity,
} from "./policy/mod.ts";
export type { OcsfEndpoint, OcsfEvent } from "./ocsf/mod.ts";
export type {
  Finding,
  Guidance,
  ProposalInput,
  ProposalSink,
  ProposalStatus,
  SubmitResult,
} from "./policy_local/mod.ts";
