/**
 * What a proxy needs to talk to a gateway, and nothing of the server: the HTTP client, its
 * failover pool, the policy subscription over server-sent events, the route constants both
 * sides share, and the host's enrolment token file.
 *
 * @module
 */

export { GatewayClient, GatewayError } from "./gateway_client.ts";
export type { GatewayClientOptions } from "./gateway_client.ts";
export { GatewayPool } from "./gateway_pool.ts";
export type { GatewayPoolOptions } from "./gateway_pool.ts";
export {
  G_CEILING_CHECK,
  G_EVENTS,
  G_LEASE_REVOKE,
  G_LEASE_USED,
  G_LEASES,
  G_POLICIES,
  G_POLICY,
  G_PROPOSAL,
  G_PROPOSAL_APPROVE,
  G_PROPOSAL_REJECT,
  G_PROPOSAL_REVIEW,
  G_PROPOSAL_WAIT,
  G_PROPOSALS,
  G_REMOTE_CHANGED,
  G_SANDBOX,
  G_SANDBOXES,
  G_STATUS,
} from "./gateway_routes.ts";
export { ensureGatewayToken, readGatewayToken, TOKEN_FILE } from "./gateway_token.ts";
export { readServerSentEvents } from "./server_sent_events.ts";
export type { ServerSentEvent } from "./server_sent_events.ts";
export { subscribePolicy } from "./subscribe_policy.ts";
export type { PolicyVersion, SubscribeOptions } from "./subscribe_policy.ts";
