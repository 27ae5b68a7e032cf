/**
 * The CONNECT tunnel's byte relay: a blind (L4) tunnel spliced to its upstream while the
 * policy still allows it, and the reads it adopts from the client and the origin.
 *
 * @module
 */

export type { RelayReads } from "./relay_reads.ts";
export { blindTunnel } from "./tunnel.ts";
export { CONNECTION_ESTABLISHED } from "./tunnel.ts";
export { splice } from "./tunnel.ts";
export { spliceWhileAllowed } from "./tunnel.ts";
export type { SpliceOptions } from "./tunnel.ts";
