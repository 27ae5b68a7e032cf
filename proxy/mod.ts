/**
 * The data plane: the enforcing proxy (`startProxy`), the policy it holds and reloads, the CA
 * it intercepts TLS with, and the requester identity it decides on.
 *
 * @module
 */

export { PolicyHolder } from "./policy_holder.ts";
export { watchPolicyFile } from "./watch_policy_file.ts";
export { PROXY_V8_FLAGS } from "./proxy_v8_flags.ts";
export { DEFAULT_SKILL_PATH, startProxyService } from "./proxy_service.ts";
export type { PolicyFeed, ProxyService, ProxyServiceOptions } from "./proxy_service.ts";
export type { PolicyHolderOptions, ReloadOptions, UpdateResult } from "./policy_holder.ts";
export type { PolicySnapshot } from "./policy_snapshot.ts";
export type { WatchOptions } from "./watch_policy_file.ts";
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
