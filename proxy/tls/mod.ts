/**
 * TLS for interception: the proxy's certificate authority and the leaf certificates it mints.
 *
 * @module
 */

export { CertificateAuthority } from "./certificate_authority.ts";
export type { CertificateAuthorityOptions, LeafCertificate } from "./certificate_authority.ts";
export { DenialContexts } from "./denial_contexts.ts";
export { javaTrustStore, pemCertificates } from "./java_trust_store.ts";
export type { DenialContextsOptions } from "./denial_contexts.ts";
