/**
 * TLS for interception: the proxy's certificate authority and the leaf certificates it mints.
 *
 * @module
 */

export { CertificateAuthority } from "./certificate_authority.ts";
export type { LeafCertificate } from "./certificate_authority.ts";
