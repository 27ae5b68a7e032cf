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
