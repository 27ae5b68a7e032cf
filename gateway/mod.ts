/**
 * The control plane: proposals as Git-reviewable patch files (`pending/`, `approved/`,
 * `rejected/`), the submit checks, approval (apply, revision bump, atomic write, Git commit,
 * reload push) and rejection, crash recovery, the gateway HTTP server with its event stream,
 * and its client for proxies.
 *
 * @module
 */

export { ProposalStore } from "./proposal_store.ts";
export type { ProposalStoreOptions } from "./proposal_store.ts";
export { PolicyCache } from "./policy_cache.ts";
export { ProposalConflictError } from "./proposal_conflict_error.ts";
export type { ApproveResult } from "./approve_proposal.ts";
export { GUIDANCE } from "./decide_proposal.ts";
export { DirectoryWatcher, MAX_EVENT_TEXT_BYTES, policyUpdated } from "./directory_watcher.ts";
export type { DirectoryWatcherOptions } from "./directory_watcher.ts";
export type { RejectOptions } from "./decide_proposal.ts";
export { assertProposalId, isProposalId, newProposalId } from "./proposal_id.ts";
export type { ProposalFile, ProposalState } from "./proposal_files.ts";
export { PROPOSAL_STATES } from "./proposal_files.ts";
export type { ProposalRecord } from "./proposal_record.ts";
export { toProposalStatus } from "./proposal_record.ts";
export type { ParsedProposal, ProposalDecision, ProposalMeta } from "./proposal_patch.ts";
export { parseProposalPatch } from "./proposal_patch.ts";
export { checkProposedRule } from "./proposal_checks.ts";
export type { CheckResult } from "./proposal_checks.ts";
export { summarizeRule } from "./submit_proposal.ts";
export { quoteUntrusted, visibleText } from "./untrusted_text.ts";
export { isPolicyName, listPolicyNames, readPolicyFile } from "./policy_files.ts";
export { gitRepoPaths, gitUserName } from "./git_repo.ts";
export type { PolicyFile } from "./policy_files.ts";
export type { ApproveStep, RemoveStep, StoreChange } from "./store_env.ts";
export {
  proposalJson,
  renderDiff,
  renderProposalDetail,
  renderProposalList,
  renderRuleChunk,
  safeJson,
} from "./render_proposals.ts";
export { parseListen, startGateway } from "./gateway_server.ts";
export { GatewayPool, installPostReceiveHook, RemoteSync, RemoteSyncError } from "./remote/mod.ts";
export type { GatewayPoolOptions, RemoteOptions } from "./remote/mod.ts";
export type { GatewayOptions, RunningGateway } from "./gateway_server.ts";
export { GatewayClient, GatewayError } from "./gateway_client.ts";
export type { GatewayClientOptions } from "./gateway_client.ts";
export { subscribePolicy } from "./subscribe_policy.ts";
export type { PolicyVersion, SubscribeOptions } from "./subscribe_policy.ts";
export { ensureGatewayToken, readGatewayToken, TOKEN_FILE } from "./gateway_token.ts";
export { CredentialStore } from "./credential_store.ts";
export type { Credential, CredentialRole } from "./credential_store.ts";
export { EventHub, sseFrame } from "./event_hub.ts";
export { INBOX, InboxSessions, proposalCommits, proposalDenials } from "./inbox/mod.ts";
export type { InboxSession, InboxSessionOptions, ShownDenial } from "./inbox/mod.ts";
export { notificationMessage, parseNotifyUrl, startNotifier } from "./notify/mod.ts";
export type {
  NotificationEvent,
  NotificationMessage,
  Notifier,
  NotifierOptions,
} from "./notify/mod.ts";
export type { GatewayEvent, HubEvent, HubSubscription } from "./event_hub.ts";
export type { PolicySnapshot } from "./directory_watcher.ts";
export { readServerSentEvents } from "./server_sent_events.ts";
export type { ServerSentEvent } from "./server_sent_events.ts";
export {
  G_EVENTS,
  G_POLICIES,
  G_POLICY,
  G_PROPOSAL,
  G_PROPOSAL_APPROVE,
  G_PROPOSAL_REJECT,
  G_PROPOSAL_REVIEW,
  G_PROPOSAL_WAIT,
  G_PROPOSALS,
  G_SANDBOX,
  G_SANDBOXES,
} from "./gateway_routes.ts";
