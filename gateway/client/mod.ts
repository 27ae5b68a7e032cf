/**
 * What a proxy needs to talk to a gateway, and nothing of the server: the HTTP client, its
 * failover pool, the policy subscription over server-sent events, the route constants and wire
 * types both sides share, the host's enrolment token file, and the fence a sandbox host puts
 * around the policy repository (with the hardened git runner it and the server use).
 *
 * @module
 */

export { GatewayClient, GatewayError } from "./gateway_client.ts";
export type { GatewayClientOptions } from "./gateway_client.ts";
export type {
  ApproveResult,
  CeilingCheck,
  CeilingFit,
  Enrolment,
  LeaseEntry,
  PublishedPolicy,
  RejectOptions,
  RuleRemoval,
} from "./gateway_wire.ts";
export { policyOnWire } from "./gateway_wire.ts";
export { runGit } from "./run_git.ts";
export { readHeadCommit } from "./head_commit_files.ts";
export type { HeadFiles } from "./head_commit_files.ts";
export type { GitResult, RunGitOptions } from "./run_git.ts";
export { DRIVER_KEYS, driverOverrides } from "./_git_hardening.ts";
export { AUTO_APPROVE_FILE, CEILING_FILE, sandboxFence } from "./sandbox_fence.ts";
export type { SandboxFence } from "./sandbox_fence.ts";
export { gatewayFence, localFence } from "./gateway_fence.ts";
export type { GatewayFence, HostPath, LocalFence } from "./gateway_fence.ts";
export { GatewayPool } from "./gateway_pool.ts";
export { applyTextPatch, applyTextPatchUtf8, sha256Hex, textPatch } from "./text_patch.ts";
export type { TextPatch } from "./text_patch.ts";
export type { GatewayPoolOptions } from "./gateway_pool.ts";
export {
  ROUTE_CEILING_CHECK,
  ROUTE_EVENTS,
  ROUTE_LEASE_REVOKE,
  ROUTE_LEASE_USED,
  ROUTE_LEASES,
  ROUTE_POLICIES,
  ROUTE_POLICY,
  ROUTE_PROPOSAL,
  ROUTE_PROPOSAL_APPROVE,
  ROUTE_PROPOSAL_REJECT,
  ROUTE_PROPOSAL_REVIEW,
  ROUTE_PROPOSAL_WAIT,
  ROUTE_PROPOSALS,
  ROUTE_REMOTE_CHANGED,
  ROUTE_SANDBOX,
  ROUTE_SANDBOXES,
  ROUTE_STATUS,
} from "./gateway_routes.ts";
export { ensureGatewayToken, readGatewayToken, TOKEN_FILE } from "./gateway_token.ts";
export { readServerSentEvents } from "./server_sent_events.ts";
export type { ServerSentEvent } from "./server_sent_events.ts";
export { gatewayPolicyFeed } from "./gateway_policy_feed.ts";
export { subscribePolicy } from "./subscribe_policy.ts";
export type { PolicyVersion, SubscribeOptions } from "./subscribe_policy.ts";
