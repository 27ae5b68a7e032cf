/**
 * Requester identity: which executable (and which ancestors) opened a client connection.
 *
 * @module
 */

export { createProcIdentityResolver } from "./proc_identity_resolver.ts";
export type {
  IdentityResolver,
  PeerAddress,
  ProcIdentityOptions,
} from "./proc_identity_resolver.ts";
// Types of other modules that the API above names, so that its documentation is complete.
export type { RequesterIdentity } from "../policy/mod.ts";
