/**
 * The control plane: proposals as Git-reviewable patch files (`pending/`, `approved/`,
 * `rejected/`), the submit checks, approval (apply, revision bump, atomic write, Git commit,
 * reload push) and rejection, crash recovery, the gateway HTTP server with its event stream,
 * and its client for proxies.
 *
 * @module
 */

export { ProposalStore } from "./store/mod.ts";
export type { ProposalStoreOptions } from "./store/mod.ts";
export { PolicyCache } from "./repo/mod.ts";
export { ProposalConflictError, UnknownProposalError } from "./proposals/mod.ts";
export { DirectoryWatcher, MAX_EVENT_TEXT_BYTES, policyUpdated } from "./events/mod.ts";
export type { DirectoryWatcherOptions } from "./events/mod.ts";
export { isProposalId, newProposalId } from "./proposals/mod.ts";
export type { ProposalFile, ProposalState } from "./proposals/mod.ts";
export { PROPOSAL_STATES } from "./proposals/mod.ts";
export type { ProposalRecord } from "./proposals/mod.ts";
export type { ListedMeta, ListedProposal } from "./listing/mod.ts";
export { toProposalStatus } from "./proposals/mod.ts";
export type { ParsedProposal, ProposalDecision, ProposalMeta } from "./proposals/mod.ts";
export type { CheckResult } from "./proposals/mod.ts";
export { visibleText } from "./repo/mod.ts";
export { isPolicyName, listPolicyNames, readPolicyFile } from "./repo/mod.ts";
export { gitUserName } from "./repo/mod.ts";
export type { PolicyFile } from "./repo/mod.ts";
export type { ApproveStep, RemoveStep, StoreChange } from "./proposals/mod.ts";
export {
  proposalJson,
  renderDiff,
  renderProposalDetail,
  renderProposalList,
  renderRuleChunk,
  safeJson,
} from "./proposals/mod.ts";
export { startGateway } from "./server/mod.ts";
export { installPostReceiveHook, RemoteSync, RemoteSyncError } from "./remote/mod.ts";
export type { RemoteOptions } from "./remote/mod.ts";
export { GatewayPool } from "./client/mod.ts";
export type { GatewayPoolOptions } from "./client/mod.ts";
export type { GatewayOptions, RunningGateway } from "./server/mod.ts";
export { GatewayClient, GatewayError } from "./client/mod.ts";
export type { GatewayClientOptions } from "./client/mod.ts";
export { subscribePolicy } from "./client/mod.ts";
export type { PolicyVersion, SubscribeOptions } from "./client/mod.ts";
export { readGatewayToken, TOKEN_FILE } from "./client/mod.ts";
export { CredentialStore } from "./credentials/mod.ts";
export type { Credential, CredentialRole } from "./credentials/mod.ts";
export { EventHub } from "./events/mod.ts";
export { InboxSessions, proposalCommits, readForReview } from "./inbox/mod.ts";
export type { InboxSession, InboxSessionOptions, ReviewRead, ShownDenial } from "./inbox/mod.ts";
export { notificationMessage, parseNotifyUrl, startNotifier } from "./notify/mod.ts";
export type {
  NotificationEvent,
  NotificationMessage,
  Notifier,
  NotifierOptions,
} from "./notify/mod.ts";
export type { GatewayEvent, HubEvent, HubSubscription } from "./events/mod.ts";
export { readServerSentEvents } from "./client/mod.ts";
export type { ServerSentEvent } from "./client/mod.ts";
export type {
  ApproveResult,
  CeilingCheck,
  CeilingFit,
  LeaseEntry,
  PublishedPolicy,
  RejectOptions,
  RuleRemoval,
} from "./client/mod.ts";
export { ROUTE_PROPOSAL, ROUTE_PROPOSAL_WAIT, ROUTE_PROPOSALS } from "./client/mod.ts";
