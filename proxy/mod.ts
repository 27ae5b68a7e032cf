/**
 * The data plane: the enforcing proxy (`startProxy`), the policy it holds and reloads, the CA
 * it intercepts TLS with, and the requester identity it decides on.
 *
 * @module
 */

export { PolicyHolder, watchPolicyFile } from "./holder/mod.ts";
export { PROXY_V8_FLAGS } from "./proxy_v8_flags.ts";
export { DEFAULT_SKILL_PATH, startProxyService } from "./proxy_service.ts";
export type { PolicyFeed, ProxyService, ProxyServiceOptions } from "./proxy_service.ts";
export type {
  PolicyHolderOptions,
  PolicySnapshot,
  ReloadOptions,
  UpdateResult,
  WatchOptions,
} from "./holder/mod.ts";
// What other folders need of the transport and the upstream pool (tests and the bench start
// the bare proxy).
export { duplexFromDenoConn, MAX_CLIENT_CONNECTIONS } from "./transport/mod.ts";
export { startProxy } from "./start_proxy.ts";
export type { ProxyHandle, ProxyOptions } from "./transport/mod.ts";
export { parseResolveOverride, UpstreamError, UpstreamPool } from "./upstream/mod.ts";
export type { ResolveOverride } from "./upstream/mod.ts";
export { CertificateAuthority } from "./tls/mod.ts";
export type { LeafCertificate } from "./tls/mod.ts";
export { createProcIdentityResolver } from "./identity/mod.ts";
export type { IdentityResolver, PeerAddress, ProcIdentityOptions } from "./identity/mod.ts";
