/**
 * The HTTP/2 side of interception, as one module that {@linkcode loadH2Side} loads when a client
 * first negotiates `h2`: serving a tunnel's streams, and denying them.
 *
 * @module
 */

export { serveH2Tunnel } from "./h2_intercept.ts";
export { serveH2 } from "./h2_server.ts";
export { respondH2Deny, respondH2Error } from "./h2_responses.ts";
