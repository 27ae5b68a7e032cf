/**
 * Decide a request against a compiled policy (pure, total, deny by default), and the
 * questions the transport asks a compiled policy before it decides (TLS, addresses, body limits).
 *
 * @module
 */

export { decide } from "./decide.ts";
export { bodyInspection } from "./graphql_body_limit.ts";
export type { BodyInspection } from "./graphql_body_limit.ts";
export { hostSkipsTls } from "./host_skips_tls.ts";
export { needsAddresses } from "./needs_addresses.ts";
